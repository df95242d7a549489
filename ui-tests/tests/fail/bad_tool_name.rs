struct Bank;

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = High, name = "transfer funds")]
    async fn transfer(&self) {}
}

fn main() {}
