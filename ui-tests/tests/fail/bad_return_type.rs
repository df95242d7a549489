struct Bank;

#[sigil::server]
impl Bank {
    /// Current balance in cents.
    #[sigil::tool(risk = Medium)]
    async fn balance(&self) -> u64 {
        0
    }
}

fn main() {}
