struct Bank;

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = Hihg)]
    async fn transfer(&self) {}
}

fn main() {}
