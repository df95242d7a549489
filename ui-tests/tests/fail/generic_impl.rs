struct Bank<T>(T);

#[sigil::server(name = "bank")]
impl<T: Send + Sync + 'static> Bank<T> {
    /// Transfer money.
    #[sigil::tool(risk = High)]
    async fn transfer(&self) {}
}

fn main() {}
