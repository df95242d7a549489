struct Bank;

#[sigil::server]
impl Bank {
    /// Close the account.
    #[sigil::tool(risk = Critical, confirm = false)]
    async fn close_account(&self) {}
}

fn main() {}
