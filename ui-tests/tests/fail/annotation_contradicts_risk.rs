struct Bank;

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = Low, read_only_hint = false)]
    async fn transfer(&self) {}
}

fn main() {}
