// Every supported argument shape: no extractor, `Caller` only, `Parameters<T>` only, and both
// in either order; `self: &Self` as the receiver.
use sigil::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Query {
    text: String,
}

struct Search;

#[sigil::server]
impl Search {
    /// No arguments.
    #[sigil::tool(risk = Low)]
    async fn ping(&self) -> String {
        "pong".to_owned()
    }

    /// Caller only.
    #[sigil::tool(risk = Low)]
    async fn whoami(&self, caller: Caller) -> String {
        caller.principal().to_string()
    }

    /// Parameters only.
    #[sigil::tool(risk = Low)]
    async fn echo(&self, Parameters(q): Parameters<Query>) -> String {
        q.text
    }

    /// Caller, then parameters.
    #[sigil::tool(risk = Low)]
    async fn search(&self, caller: Caller, Parameters(q): Parameters<Query>) -> String {
        format!("{}: {}", caller.principal(), q.text)
    }

    /// Parameters, then caller.
    #[sigil::tool(risk = Low)]
    async fn search_reversed(&self, params: Parameters<Query>, caller: Caller) -> String {
        format!("{}: {}", caller.principal(), params.0.text)
    }

    /// An explicitly typed receiver.
    #[sigil::tool(risk = Low)]
    async fn typed_receiver(self: &Self) -> String {
        String::new()
    }
}

fn main() {
    let names: Vec<String> = <Search as sigil::tool::SigilService>::tools()
        .iter()
        .map(|t| format!("{t:?}"))
        .collect();
    assert_eq!(names.len(), 6);
    for (entry, name) in names.iter().zip([
        "ping",
        "whoami",
        "echo",
        "search",
        "search_reversed",
        "typed_receiver",
    ]) {
        assert!(entry.contains(&format!("name: \"{name}\"")), "{entry}");
    }
}
