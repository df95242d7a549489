// With a mistake in the attribute, code that uses the type as a service gets no follow-on
// error: only the mistake itself is reported.
struct Bank;

#[sigil::server]
impl Bank {
    /// Transfer money.
    #[sigil::tool(risk = Hgh)]
    async fn transfer(&self) {}
}

fn serve<S: sigil::tool::SigilService>() -> usize {
    S::tools().len()
}

fn main() {
    let _ = serve::<Bank>();
    let _ = Bank.transfer();
}
