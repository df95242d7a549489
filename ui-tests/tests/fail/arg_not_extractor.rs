struct Bank;

struct Transfer {
    amount_cents: u64,
}

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = High)]
    async fn transfer(&self, transfer: Transfer) -> String {
        transfer.amount_cents.to_string()
    }
}

fn main() {}
