struct Bank;

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = "High")]
    async fn transfer(&self) {}
}

fn main() {}
