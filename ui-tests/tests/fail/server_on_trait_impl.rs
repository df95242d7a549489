struct Bank;

trait Tools {
    async fn transfer(&self);
}

#[sigil::server]
impl Tools for Bank {
    /// Transfer money.
    #[sigil::tool(risk = High)]
    async fn transfer(&self) {}
}

fn main() {}
