struct Bank;

#[sigil::server]
impl Bank {
    #[sigil::tool(risk = High)]
    async fn transfer(&self) {}
}

fn main() {}
