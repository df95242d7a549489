struct Bank;

#[sigil::server]
impl Bank {
    /// The bank's name.
    #[sigil::tool(risk = Low)]
    const NAME: &'static str = "bank";

    /// Transfer money.
    #[sigil::tool(risk = High)]
    async fn transfer(&self) {}
}

fn main() {}
