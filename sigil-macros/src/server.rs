//! `#[sigil::server]`: walks the impl block, takes the `#[sigil::tool]` attributes off its
//! methods, runs parse -> validate -> generate for each, and emits the impl unchanged plus the
//! generated `SigilService` impl (or, on any mistake, every error plus a fallback impl).

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ext::IdentExt;
use syn::{Attribute, ImplItem, ItemImpl, LitStr, Meta, Type};

use crate::args::{ServerArgs, ToolArgs};
use crate::codegen::{self, Identity};
use crate::diagnostics::Errors;
use crate::validate::{self, Tool};

/// Expands `#[sigil::server(args)] item`.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let server_args = ServerArgs::parse(args, &mut errors);
    let Ok(mut item) = syn::parse2::<ItemImpl>(item.clone()) else {
        errors.at(
            Span::call_site(),
            "`#[sigil::server]` goes on an impl block holding the tools: `#[sigil::server] impl MyServer { ... }`",
        );
        return emit(errors, &item);
    };

    let mut fallback_ok = true;
    if let Some((_, path, _)) = &item.trait_ {
        errors.over(
            path,
            "`#[sigil::server]` goes on an inherent impl block (`impl MyServer { ... }`), not on a trait impl",
        );
        fallback_ok = false;
    }
    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        errors.over(
            &item.generics,
            "`#[sigil::server]` does not support generic impl blocks: implement the tools for a concrete type",
        );
        fallback_ok = false;
    }

    let imported = imported_tool_attr(&item);
    let tools = take_tools(&mut item, &mut errors);
    check_unique_names(&tools, &mut errors);
    let identity = identity(server_args, &item.self_ty, &mut errors);

    match (errors.finish(), identity) {
        (Ok(()), Some(identity)) => {
            let service = codegen::service(&item.self_ty, &identity, &tools);
            quote!(#item #service #imported)
        }
        (result, _) => {
            let errors = result.err().map(|e| e.to_compile_error());
            let fallback = fallback_ok.then(|| codegen::fallback(&item.self_ty));
            quote!(#errors #item #fallback #imported)
        }
    }
}

fn emit(errors: Errors, item: &TokenStream) -> TokenStream {
    let errors = errors.finish().err().map(|e| e.to_compile_error());
    quote!(#errors #item)
}

/// Removes every `#[sigil::tool]` attribute from the impl and checks each marked method.
/// Returns the tools that had no mistakes.
fn take_tools(item: &mut ItemImpl, errors: &mut Errors) -> Vec<Tool> {
    let mut tools = Vec::new();
    let mut marked = 0usize;
    for impl_item in &mut item.items {
        let attrs = match impl_item {
            ImplItem::Fn(f) => &mut f.attrs,
            ImplItem::Const(c) => &mut c.attrs,
            ImplItem::Type(t) => &mut t.attrs,
            ImplItem::Macro(m) => &mut m.attrs,
            _ => continue,
        };
        let (ours, others): (Vec<Attribute>, Vec<Attribute>) =
            attrs.drain(..).partition(is_tool_attr);
        *attrs = others;
        let Some(attr) = ours.first() else {
            continue;
        };
        marked += 1;
        for again in &ours[1..] {
            errors.over(
                again,
                "`#[sigil::tool]` is given twice on this method: merge the keys into one attribute",
            );
        }
        let ImplItem::Fn(method) = impl_item else {
            errors.over(attr, "`#[sigil::tool]` goes on an `async fn` method");
            continue;
        };
        let tokens = match &attr.meta {
            Meta::Path(_) => TokenStream::new(),
            Meta::List(list) => list.tokens.clone(),
            Meta::NameValue(nv) => {
                errors.over(
                    nv,
                    "write the keys in parentheses: `#[sigil::tool(risk = High, ...)]`",
                );
                continue;
            }
        };
        // The pipeline awaits every tool, so `async` is required even when the body never
        // awaits; clippy's `unused_async` cannot see that use, so it is allowed on this
        // method only.
        method
            .attrs
            .push(syn::parse_quote!(#[allow(clippy::unused_async)]));
        let args = ToolArgs::parse(tokens, errors);
        if let Some(tool) = validate::tool(method, args, attr, errors) {
            tools.push(tool);
        }
    }
    if marked == 0 {
        errors.over(
            &item.self_ty,
            "this `#[sigil::server]` impl has no tools: mark each tool method with `#[sigil::tool(risk = ...)]`",
        );
    }
    tools
}

/// When a tool is marked `#[tool]` (after `use sigil::tool`), a use of that import: the
/// attributes are removed before the compiler resolves them, so the import would otherwise be
/// reported as unused.
fn imported_tool_attr(item: &ItemImpl) -> Option<TokenStream> {
    item.items.iter().find_map(|impl_item| {
        let ImplItem::Fn(method) = impl_item else {
            return None;
        };
        let attr = method
            .attrs
            .iter()
            .find(|a| is_tool_attr(a) && a.path().segments.len() == 1)?;
        let ident = &attr.path().segments[0].ident;
        Some(quote!(const _: () = { use #ident as _; };))
    })
}

/// `#[sigil::tool]`, `#[::sigil::tool]`, or `#[tool]` after `use sigil::tool`.
fn is_tool_attr(attr: &Attribute) -> bool {
    let segments: Vec<String> = attr
        .path()
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    match segments.as_slice() {
        [only] => only == "tool" && attr.path().leading_colon.is_none(),
        [krate, last] => krate == "sigil" && last == "tool",
        _ => false,
    }
}

/// Tool names are unique within a server: the second use of a name is refused.
fn check_unique_names(tools: &[Tool], errors: &mut Errors) {
    for (i, tool) in tools.iter().enumerate() {
        if let Some(first) = tools[..i].iter().find(|t| t.name == tool.name) {
            errors.at(
                tool.name_span,
                format!(
                    "two tools are named `{}` (the first is the method `{}`): tool names must be unique within a server\n\
                     rename one with `name = \"...\"`",
                    tool.name,
                    first.method.unraw()
                ),
            );
        }
    }
}

/// The declared name and version; the name defaults to the type's name in lowercase.
fn identity(args: ServerArgs, self_ty: &Type, errors: &mut Errors) -> Option<Identity> {
    let name = match args.name {
        Some(name) => name,
        None => {
            let last = match self_ty {
                Type::Path(path) => path.path.segments.last(),
                _ => None,
            };
            let Some(last) = last else {
                errors.over(
                    self_ty,
                    "cannot derive a server name from this type: write `#[sigil::server(name = \"...\")]`",
                );
                return None;
            };
            let ident = last.ident.unraw();
            LitStr::new(&ident.to_string().to_lowercase(), Span::call_site())
        }
    };
    Some(Identity {
        name,
        version: args.version,
    })
}
