struct Bank;

#[sigil::server]
impl Bank {
    /// Bank name.
    #[sigil::tool(risk = Low)]
    async fn name() -> &'static str {
        "bank"
    }
}

fn main() {}
