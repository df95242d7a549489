struct Bank;

#[sigil::server(name = "bank", verison = "1.0")]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = High)]
    async fn transfer(&self) {}
}

fn main() {}
