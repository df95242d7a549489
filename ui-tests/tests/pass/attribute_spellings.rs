// `#[sigil::tool]`, `#[::sigil::tool]` and `#[tool]` after `use sigil::tool` all work; other
// attributes, non-tool methods and associated items stay as they are. The import of `tool`
// counts as used although the server removes the attributes before they are resolved.
#![deny(unused_imports)]

use sigil::tool;

struct Mixed;

#[sigil::server(name = "mixed")]
impl Mixed {
    const GREETING: &'static str = "hello";

    /// Full path.
    #[sigil::tool(risk = Low)]
    async fn full(&self) -> &'static str {
        Self::GREETING
    }

    /// Leading colons.
    #[::sigil::tool(risk = Low)]
    async fn rooted(&self) -> &'static str {
        self.helper()
    }

    /// Imported.
    #[inline]
    #[tool(risk = Low)]
    #[allow(clippy::needless_lifetimes)]
    async fn imported(&self) -> &'static str {
        Self::GREETING
    }

    fn helper(&self) -> &'static str {
        Self::GREETING
    }
}

fn main() {
    assert_eq!(<Mixed as sigil::tool::SigilService>::tools().len(), 3);
}
