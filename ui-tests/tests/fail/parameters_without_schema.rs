use sigil::prelude::*;

#[derive(Deserialize)]
struct Transfer {
    amount_cents: u64,
}

struct Bank;

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = High)]
    async fn transfer(&self, Parameters(t): Parameters<Transfer>) -> String {
        t.amount_cents.to_string()
    }
}

fn main() {}
