use sigil::prelude::*;

struct Bank;

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = High)]
    async fn transfer<T: JsonSchema>(&self, _params: Parameters<T>) {}
}

fn main() {}
