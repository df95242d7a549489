struct Bank;

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = High, confirm = true)]
    async fn transfer(&self) {}
}

fn main() {}
