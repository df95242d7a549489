struct Bank;

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = High)]
    async extern "C" fn transfer(&self) {}
}

fn main() {}
