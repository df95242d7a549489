//! Generate stage: the `SigilService` impl for a checked server, or the fallback impl that
//! keeps one mistake from cascading into follow-on errors.
//!
//! Everything generated sits in `const _: () = { ... };` and names the runtime only through
//! `::sigil::__private`, so a user's crate needs `sigil` alone.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{LitStr, Type};

use crate::validate::{Hints, Tool};

/// The server's announced name and version.
pub(crate) struct Identity {
    pub(crate) name: LitStr,
    /// `None`: the user's `CARGO_PKG_VERSION`.
    pub(crate) version: Option<LitStr>,
}

fn private() -> TokenStream {
    quote!(::sigil::__private)
}

/// `impl SigilService for #self_ty`, inside `const _`.
pub(crate) fn service(self_ty: &Type, identity: &Identity, tools: &[Tool]) -> TokenStream {
    let p = private();
    let name = &identity.name;
    let version = identity
        .version
        .as_ref()
        .map_or_else(|| quote!(#p::env!("CARGO_PKG_VERSION")), |v| quote!(#v));
    let checks = tools.iter().flat_map(checks);
    let entries = tools.iter().map(entry);
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #p::SigilService for #self_ty {
                fn server_identity() -> #p::ServerIdentity {
                    #p::ServerIdentity {
                        name: <#p::String as #p::From<&'static str>>::from(#name),
                        version: <#p::String as #p::From<&'static str>>::from(#version),
                    }
                }

                fn tools() -> #p::Vec<#p::ToolEntry<Self>> {
                    #(#checks)*
                    #p::vec![#(#entries),*]
                }
            }
        };
    }
}

/// A stand-in impl emitted next to compile errors, so that code using the type as a service
/// does not add errors of its own. It is never run: the crate does not compile.
pub(crate) fn fallback(self_ty: &Type) -> TokenStream {
    let p = private();
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #p::SigilService for #self_ty {
                fn server_identity() -> #p::ServerIdentity {
                    #p::ServerIdentity {
                        name: #p::String::new(),
                        version: #p::String::new(),
                    }
                }

                fn tools() -> #p::Vec<#p::ToolEntry<Self>> {
                    #p::Vec::new()
                }
            }
        };
    }
}

/// Calls to `assert_extractor::<T>()` / `assert_output::<R>()` spanned at the user's types, so
/// that a type that does not fit is reported on the user's own token with the trait's
/// `on_unimplemented` message. The spans resolve at the macro's call site (so lints treat them
/// as generated) but point at the user's type.
fn checks(tool: &Tool) -> Vec<TokenStream> {
    let p = private();
    let mut checks: Vec<TokenStream> = tool
        .args
        .iter()
        .map(|ty| {
            let span = at(ty);
            quote_spanned!(span=> #p::assert_extractor::<#ty>();)
        })
        .collect();
    if let Some(ty) = &tool.output {
        let span = at(ty);
        checks.push(quote_spanned!(span=> #p::assert_output::<#ty>();));
    }
    checks
}

fn at(ty: &Type) -> Span {
    Span::call_site().located_at(ty.span())
}

/// One `ToolEntry::new(spec, handler).input_schema_from(..).output_schema(..)`.
fn entry(tool: &Tool) -> TokenStream {
    let p = private();
    let spec = spec(tool);
    let method = &tool.method;
    let args: Vec<_> = (0..tool.args.len())
        .map(|i| format_ident!("__sigil_arg{i}"))
        .collect();
    let types = &tool.args;
    let output = tool
        .output
        .as_ref()
        .map_or_else(|| quote!(()), |ty| quote!(#ty));
    // Spanned at the method's name: a future that is not `Send` is reported there.
    let span = Span::call_site().located_at(method.span());
    let call = quote_spanned!(span=> #p::assert_send(Self::#method(&__sigil_service #(, #args)*)));
    quote! {
        #p::ToolEntry::new(
            #spec,
            |__sigil_service: #p::Arc<Self>, __sigil_call: #p::GatedCall| async move {
                #(
                    let #args = match <#types as #p::FromGatedCall>::from_gated(&__sigil_call) {
                        #p::Ok(__sigil_value) => __sigil_value,
                        #p::Err(__sigil_error) => return #p::Err(__sigil_error),
                    };
                )*
                <#output as #p::IntoToolOutput>::into_tool_output(#call.await)
            },
        )
        .input_schema_from(#p::vec![#(<#types as #p::FromGatedCall>::input_schema()),*])
        .output_schema(<#output as #p::IntoToolOutput>::output_schema())
    }
}

/// `ToolSpec::new(name, description, risk)` and one builder call per key the user wrote.
fn spec(tool: &Tool) -> TokenStream {
    let p = private();
    let name = &tool.name;
    let description = &tool.description;
    let risk = format_ident!("{}", tool.risk.name());
    let mut spec = quote!(#p::ToolSpec::new(#name, #description, #p::Risk::#risk));
    if let Some(title) = &tool.title {
        spec.extend(quote!(.title(#title)));
    }
    if tool.confirm {
        spec.extend(quote!(.confirm()));
    }
    if let Some(trust) = tool.trust {
        let trust = format_ident!("{}", trust.name());
        spec.extend(quote!(.trust(#p::TrustLevel::#trust)));
    }
    if !tool.scopes.is_empty() {
        let scopes = &tool.scopes;
        spec.extend(quote!(.scopes([#(#scopes),*])));
    }
    if let Some(rate) = &tool.rate {
        spec.extend(quote!(.rate(#p::rate(#rate))));
    }
    if !tool.reveal.is_empty() {
        let kinds = &tool.reveal;
        spec.extend(quote!(.reveal([#(#p::DataKind::#kinds),*])));
    }
    if tool.hints.any() {
        let hints = hints(&tool.hints);
        spec.extend(quote!(.hints(#hints)));
    }
    spec
}

fn hints(hints: &Hints) -> TokenStream {
    let p = private();
    let field = |value: Option<bool>| match value {
        Some(b) => quote!(#p::Some(#b)),
        None => quote!(#p::None),
    };
    let read_only = field(hints.read_only);
    let destructive = field(hints.destructive);
    let idempotent = field(hints.idempotent);
    let open_world = field(hints.open_world);
    quote! {
        #p::Hints {
            read_only: #read_only,
            destructive: #destructive,
            idempotent: #idempotent,
            open_world: #open_world,
        }
    }
}
