// The expansion names everything by absolute paths: it compiles without the prelude.
#![no_implicit_prelude]

struct Bare;

#[::sigil::server(name = "bare", version = "0.1")]
impl Bare {
    /// Works without the prelude.
    #[::sigil::tool(risk = Medium, trust = High, scopes = ["a"], rate = "1/s", reveal = [Email], title = "T", idempotent_hint = true)]
    async fn bare(&self, caller: ::sigil::Caller) -> ::std::string::String {
        ::std::string::ToString::to_string(caller.principal())
    }
}

fn main() {
    let tools = <Bare as ::sigil::tool::SigilService>::tools();
    ::std::assert_eq!(tools.len(), 1);
}
