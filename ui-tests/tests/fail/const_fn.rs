struct Bank;

#[sigil::server]
impl Bank {
    /// Bank name.
    #[sigil::tool(risk = Low)]
    const fn name(&self) -> &'static str {
        "bank"
    }
}

fn main() {}
