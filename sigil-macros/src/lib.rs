//! Procedural macros for SIGIL. Use them through the `sigil` crate.

use proc_macro::TokenStream;

/// Marks an impl block as a SIGIL server.
#[proc_macro_attribute]
pub fn server(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// Marks a method of a `#[sigil::server]` impl block as a tool.
#[proc_macro_attribute]
pub fn tool(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
