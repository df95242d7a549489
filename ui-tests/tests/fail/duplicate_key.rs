struct Bank;

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = High, confirm, risk = Low)]
    async fn transfer(&self) {}
}

fn main() {}
