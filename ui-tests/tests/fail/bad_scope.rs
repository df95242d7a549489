struct Bank;

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = High, scopes = ["bank transfer"])]
    async fn transfer(&self) {}
}

fn main() {}
