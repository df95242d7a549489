use std::rc::Rc;

struct Bank;

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = High)]
    async fn transfer(&self) -> String {
        let local = Rc::new(1);
        tick().await;
        local.to_string()
    }
}

async fn tick() {}

fn main() {}
