struct Bank;

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = High, trust = Medium)]
    async fn transfer(&self) {}
}

fn main() {}
