struct Bank;

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(confirm)]
    async fn transfer(&self) {}
}

fn main() {}
