struct Bank;

#[sigil::server]
impl Bank {
    /// Close the account.
    #[sigil::tool(risk = High, destructive_hint = false)]
    async fn close_account(&self) {}
}

fn main() {}
