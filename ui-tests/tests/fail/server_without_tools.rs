struct Bank;

#[sigil::server]
impl Bank {
    /// Not a tool.
    async fn transfer(&self) {}
}

fn main() {}
