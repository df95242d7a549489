struct Bank;

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = High)]
    async fn transfer(&self) {}

    /// Transfer money, the old way.
    #[sigil::tool(risk = High, name = "transfer")]
    async fn transfer_v1(&self) {}
}

fn main() {}
