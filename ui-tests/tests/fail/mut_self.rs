struct Bank {
    balance_cents: u64,
}

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = High)]
    async fn transfer(&mut self) {
        self.balance_cents -= 1;
    }
}

fn main() {}
