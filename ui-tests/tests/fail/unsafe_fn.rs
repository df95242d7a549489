struct Bank;

#[sigil::server]
impl Bank {
    /// Read raw memory.
    #[sigil::tool(risk = Low)]
    async unsafe fn peek(&self) -> String {
        String::new()
    }
}

fn main() {}
