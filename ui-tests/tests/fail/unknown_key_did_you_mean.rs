struct Bank;

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = High, confrim)]
    async fn transfer(&self) {}
}

fn main() {}
