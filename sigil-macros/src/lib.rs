//! Procedural macros for SIGIL: `#[sigil::server]` and `#[sigil::tool]`. Use them through the
//! `sigil` crate; the reference is `docs/src/macros.md`.
//!
//! The crate is split by stage: `args` parses the attribute arguments, `validate` checks the
//! method and the keys together, `codegen` generates the `SigilService` impl. Every stage
//! records mistakes instead of stopping at the first, so one build reports all of them; with any
//! mistake the output is the errors, the user's impl unchanged, and a fallback impl (so no
//! follow-on errors cascade).

use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::quote;

mod args;
mod codegen;
mod diagnostics;
mod rules;
mod server;
mod validate;

/// Makes the type of an impl block a SIGIL server: every method marked `#[sigil::tool(...)]`
/// becomes a tool, put through the runtime's pipeline (identity, trust, scopes, rate limits,
/// schema validation, confirmation, scanning, vault, audit) on every call.
///
/// ```
/// use sigil::prelude::*;
///
/// #[derive(Deserialize, JsonSchema)]
/// struct Transfer {
///     to_iban: String,
///     amount_cents: u64,
/// }
///
/// struct Bank;
///
/// #[sigil::server(name = "bank", version = "1.0")]
/// impl Bank {
///     /// Transfer money to an IBAN.
///     #[sigil::tool(risk = High, confirm, scopes = ["bank:transfer"], reveal = [Iban])]
///     async fn transfer(&self, caller: Caller, Parameters(t): Parameters<Transfer>) -> Result<String, ToolError> {
///         Ok(format!("{} sent {} cents to {}", caller.principal(), t.amount_cents, t.to_iban))
///     }
/// }
///
/// let tools = <Bank as sigil::tool::SigilService>::tools();
/// assert_eq!(tools.len(), 1);
/// ```
///
/// Keys: `name` (default: the type's name in lowercase) and `version` (default: the crate's
/// `CARGO_PKG_VERSION`). The impl block is emitted unchanged, minus the `#[sigil::tool]`
/// attributes, followed by an `impl sigil::tool::SigilService` for the type.
#[proc_macro_attribute]
pub fn server(args: TokenStream, item: TokenStream) -> TokenStream {
    server::expand(args.into(), item.into()).into()
}

/// Marks an `async fn` method of a `#[sigil::server]` impl block as a tool.
///
/// `risk = Low | Medium | High | Critical` is mandatory. Other keys: `confirm`, `trust`,
/// `scopes = ["..."]`, `rate = "10/min"`, `reveal = [Iban, ...]`, `name`, `title`,
/// `description`, `read_only_hint`, `destructive_hint`, `idempotent_hint`, `open_world_hint`.
/// The description comes from the doc comment. See `#[sigil::server]` for an example.
///
/// This attribute does nothing by itself: `#[sigil::server]` reads and removes it. Found
/// anywhere else, it is an error.
#[proc_macro_attribute]
pub fn tool(_args: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    let error = syn::Error::new(
        Span::call_site(),
        "`#[sigil::tool]` only works on methods of an impl block marked `#[sigil::server]`\n\
         add `#[sigil::server]` to the impl block that holds this method",
    )
    .to_compile_error();
    quote!(#error #item).into()
}
