struct Bank;

#[sigil::server]
impl Bank {
    /// Current balance.
    #[sigil::tool(risk = Medium)]
    fn balance(&self) -> String {
        String::new()
    }
}

fn main() {}
