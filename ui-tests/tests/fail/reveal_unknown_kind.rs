struct Bank;

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = High, reveal = [Ibam])]
    async fn transfer(&self) {}
}

fn main() {}
