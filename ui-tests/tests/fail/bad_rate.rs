struct Bank;

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = High, rate = "10/fortnight")]
    async fn transfer(&self) {}
}

fn main() {}
