// One build reports every mistake, across keys and tools, not just the first.
struct Bank;

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = Hgh, confirm = yes, rate = "often")]
    fn transfer(&mut self) {}

    #[sigil::tool(trust = Highest, reveal = [Iban, Iban])]
    async fn close_account(&self) {}
}

fn main() {}
