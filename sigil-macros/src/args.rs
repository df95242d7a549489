//! Parse stage: the arguments of `#[sigil::tool(...)]` and `#[sigil::server(...)]`.
//!
//! Each key's value is checked for its own shape here (a risk name, a string, a list); checks
//! that involve several keys or the method live in `validate.rs`. Mistakes are recorded in
//! [`Errors`] and parsing goes on, so that every mistake is reported at once.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprArray, ExprLit, Ident, Lit, LitBool, LitStr, Meta, Token};

use crate::diagnostics::{Errors, one_of, suggestion};
use crate::rules::{self, Risk, Trust};

/// A value with the span of the tokens it came from.
#[derive(Debug, Clone)]
pub(crate) struct Given<T> {
    pub(crate) value: T,
    pub(crate) span: Span,
}

/// Keys already given, so that a second occurrence is refused: the one duplicate check shared
/// by every key of both attributes.
#[derive(Default)]
struct SeenKeys(Vec<String>);

impl SeenKeys {
    /// `true` the first time `key` is given; afterwards records an error on this occurrence.
    fn first(&mut self, key: &Ident, errors: &mut Errors) -> bool {
        let name = key.to_string();
        if self.0.contains(&name) {
            errors.at(
                key.span(),
                format!("duplicate key `{name}`: it is already given above; remove one"),
            );
            false
        } else {
            self.0.push(name);
            true
        }
    }

    fn contains(&self, key: &str) -> bool {
        self.0.iter().any(|k| k == key)
    }
}

/// The arguments of one `#[sigil::tool(...)]`.
#[derive(Default)]
pub(crate) struct ToolArgs {
    seen: SeenKeys,
    pub(crate) risk: Option<Given<Risk>>,
    pub(crate) confirm: Option<Given<Confirm>>,
    pub(crate) trust: Option<Given<Trust>>,
    pub(crate) scopes: Vec<LitStr>,
    pub(crate) rate: Option<LitStr>,
    pub(crate) reveal: Vec<Ident>,
    pub(crate) name: Option<LitStr>,
    pub(crate) title: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) read_only_hint: Option<LitBool>,
    pub(crate) destructive_hint: Option<LitBool>,
    pub(crate) idempotent_hint: Option<LitBool>,
    pub(crate) open_world_hint: Option<LitBool>,
}

/// How `confirm` was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Confirm {
    /// `confirm`: the one correct spelling.
    Bare,
    /// `confirm = false`: refused, but remembered so the message can fit the risk.
    False,
}

impl ToolArgs {
    /// Every key `#[sigil::tool]` accepts.
    pub(crate) const KEYS: [&'static str; 13] = [
        "risk",
        "confirm",
        "trust",
        "scopes",
        "rate",
        "reveal",
        "name",
        "title",
        "description",
        "read_only_hint",
        "destructive_hint",
        "idempotent_hint",
        "open_world_hint",
    ];

    /// Whether `key` was given, even with a value that did not parse.
    pub(crate) fn given(&self, key: &str) -> bool {
        self.seen.contains(key)
    }

    /// Parses the attribute's arguments, recording every mistake.
    pub(crate) fn parse(tokens: TokenStream, errors: &mut Errors) -> Self {
        let mut args = Self::default();
        for (key, value) in parse_items(tokens, errors) {
            if !Self::KEYS.contains(&key.to_string().as_str()) {
                unknown_key(&key, errors);
            } else if args.seen.first(&key, errors) {
                args.set(&key, value, errors);
            }
        }
        args
    }

    fn set(&mut self, key: &Ident, value: Option<Expr>, errors: &mut Errors) {
        let name = key.to_string();
        if name == "confirm" {
            self.confirm = confirm(key, value.as_ref(), errors);
            return;
        }
        let Some(value) = value else {
            errors.at(
                key.span(),
                format!(
                    "`{name}` needs a value: write `{name} = {}`",
                    example_for(&name)
                ),
            );
            return;
        };
        match name.as_str() {
            "risk" => {
                self.risk = named(&value, &Risk::NAMES, "risk", errors)
                    .and_then(|g| Risk::parse(&g.value.to_string()).map(|r| given(r, g.span)));
            }
            "trust" => {
                self.trust = named(&value, &Trust::NAMES, "trust", errors)
                    .and_then(|g| Trust::parse(&g.value.to_string()).map(|t| given(t, g.span)));
            }
            "scopes" => self.scopes = scopes(&value, errors),
            "rate" => {
                self.rate = string(&value, "rate", errors).filter(|lit| {
                    let ok = rules::rate_is_valid(&lit.value());
                    if !ok {
                        errors.at(lit.span(), rules::rate_error(&lit.value()));
                    }
                    ok
                });
            }
            "reveal" => self.reveal = reveal(&value, errors),
            "name" => self.name = string(&value, "name", errors),
            "title" => self.title = non_empty_string(&value, "title", errors),
            "description" => self.description = non_empty_string(&value, "description", errors),
            "read_only_hint" => self.read_only_hint = boolean(&value, &name, errors),
            "destructive_hint" => self.destructive_hint = boolean(&value, &name, errors),
            "idempotent_hint" => self.idempotent_hint = boolean(&value, &name, errors),
            "open_world_hint" => self.open_world_hint = boolean(&value, &name, errors),
            _ => unknown_key(key, errors),
        }
    }
}

/// An example value for `key`, used in "needs a value" messages; empty for unknown keys.
fn example_for(key: &str) -> &'static str {
    match key {
        "risk" | "trust" => "High",
        "scopes" => "[\"bank:transfer\"]",
        "rate" => "\"10/min\"",
        "reveal" => "[Iban]",
        "name" => "\"transfer_funds\"",
        "title" => "\"Transfer money\"",
        "description" => "\"Transfers money.\"",
        "read_only_hint" | "destructive_hint" | "idempotent_hint" | "open_world_hint" => "true",
        _ => "",
    }
}

fn unknown_key(key: &Ident, errors: &mut Errors) {
    let name = key.to_string();
    errors.at(
        key.span(),
        format!(
            "unknown key `{name}` in `#[sigil::tool]`{}\nvalid keys: {}",
            suggestion(&name, &ToolArgs::KEYS),
            ToolArgs::KEYS.join(", ")
        ),
    );
}

fn given<T>(value: T, span: Span) -> Given<T> {
    Given { value, span }
}

/// The arguments of `#[sigil::server(...)]`.
#[derive(Default)]
pub(crate) struct ServerArgs {
    pub(crate) name: Option<LitStr>,
    pub(crate) version: Option<LitStr>,
}

impl ServerArgs {
    const KEYS: [&'static str; 2] = ["name", "version"];

    /// Parses the attribute's arguments, recording every mistake.
    pub(crate) fn parse(tokens: TokenStream, errors: &mut Errors) -> Self {
        let mut args = Self::default();
        let mut seen = SeenKeys::default();
        for (key, value) in parse_items(tokens, errors) {
            if !seen.first(&key, errors) {
                continue;
            }
            let name = key.to_string();
            let slot = match name.as_str() {
                "name" => &mut args.name,
                "version" => &mut args.version,
                _ => {
                    errors.at(
                        key.span(),
                        format!(
                            "unknown key `{name}` in `#[sigil::server]`{}\nvalid keys: {}",
                            suggestion(&name, &Self::KEYS),
                            Self::KEYS.join(", ")
                        ),
                    );
                    continue;
                }
            };
            match value {
                Some(value) => *slot = non_empty_string(&value, &name, errors),
                None => errors.at(
                    key.span(),
                    format!("`{name}` needs a value: write `{name} = \"...\"`"),
                ),
            }
        }
        args
    }
}

/// `key`, `key = value` items separated by commas.
fn parse_items(tokens: TokenStream, errors: &mut Errors) -> Vec<(Ident, Option<Expr>)> {
    let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(metas) => metas,
        Err(e) => {
            errors.push(e);
            return Vec::new();
        }
    };
    let mut items = Vec::new();
    for meta in metas {
        let path = meta.path();
        let Some(key) = path.get_ident().cloned() else {
            errors.over(path, "expected a key such as `risk`, not a path");
            continue;
        };
        match meta {
            Meta::Path(_) => items.push((key, None)),
            Meta::NameValue(nv) => items.push((key, Some(nv.value))),
            Meta::List(list) => {
                errors.over(&list, format!("write `{key} = ...`, not `{key}(...)`"));
            }
        }
    }
    items
}

/// `confirm` is a flag: it takes no value.
fn confirm(key: &Ident, value: Option<&Expr>, errors: &mut Errors) -> Option<Given<Confirm>> {
    match value {
        None => Some(given(Confirm::Bare, key.span())),
        Some(Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        })) if !b.value => Some(given(Confirm::False, b.span())),
        Some(value) => {
            errors.over(
                value,
                "`confirm` takes no value: write `confirm` to require a human confirmation, or leave it out",
            );
            None
        }
    }
}

/// A bare identifier among `names` (`risk = High`).
fn named(value: &Expr, names: &[&str], key: &str, errors: &mut Errors) -> Option<Given<Ident>> {
    let ident = match value {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => p.path.get_ident().cloned(),
        _ => None,
    };
    match ident {
        Some(ident) if names.contains(&ident.to_string().as_str()) => {
            let span = ident.span();
            Some(given(ident, span))
        }
        Some(ident) => {
            let written = ident.to_string();
            errors.at(
                ident.span(),
                format!(
                    "unknown {key} `{written}`{}\nexpected {}",
                    suggestion(&written, names),
                    one_of(names)
                ),
            );
            None
        }
        None => {
            let hint = match value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => format!("; write it without quotes: `{key} = {}`", s.value()),
                _ => String::new(),
            };
            errors.over(
                value,
                format!("`{key}` must be one of {}{hint}", one_of(names)),
            );
            None
        }
    }
}

fn string(value: &Expr, key: &str, errors: &mut Errors) -> Option<LitStr> {
    if let Expr::Lit(ExprLit {
        lit: Lit::Str(s), ..
    }) = value
    {
        Some(s.clone())
    } else {
        errors.over(
            value,
            format!(
                "`{key}` must be a string literal: `{key} = {}`",
                example_for(key)
            ),
        );
        None
    }
}

fn non_empty_string(value: &Expr, key: &str, errors: &mut Errors) -> Option<LitStr> {
    let lit = string(value, key, errors)?;
    if lit.value().trim().is_empty() {
        errors.at(lit.span(), format!("`{key}` must not be empty"));
        return None;
    }
    Some(lit)
}

fn boolean(value: &Expr, key: &str, errors: &mut Errors) -> Option<LitBool> {
    if let Expr::Lit(ExprLit {
        lit: Lit::Bool(b), ..
    }) = value
    {
        Some(b.clone())
    } else {
        errors.over(value, format!("`{key}` must be `true` or `false`"));
        None
    }
}

/// The elements of `[a, b]`, or an error saying to write a list.
fn list<'a>(value: &'a Expr, key: &str, errors: &mut Errors) -> Option<&'a ExprArray> {
    if let Expr::Array(array) = value {
        if array.elems.is_empty() {
            errors.over(
                array,
                format!("`{key} = []` declares nothing: list at least one or remove `{key}`"),
            );
            return None;
        }
        Some(array)
    } else {
        errors.over(
            value,
            format!("`{key}` must be a list: `{key} = {}`", example_for(key)),
        );
        None
    }
}

fn scopes(value: &Expr, errors: &mut Errors) -> Vec<LitStr> {
    let Some(array) = list(value, "scopes", errors) else {
        return Vec::new();
    };
    let mut scopes: Vec<LitStr> = Vec::new();
    for elem in &array.elems {
        let Some(lit) = string(elem, "scopes", errors) else {
            continue;
        };
        let scope = lit.value();
        if !rules::scope_is_valid(&scope) {
            errors.at(
                lit.span(),
                format!(
                    "invalid scope {scope:?}: a scope is one or more printable ASCII characters without spaces, `\"` or `\\` (RFC 6749 §3.3)"
                ),
            );
        } else if scopes.iter().any(|s| s.value() == scope) {
            errors.at(lit.span(), format!("scope `{scope}` is listed twice"));
        } else {
            scopes.push(lit);
        }
    }
    scopes
}

fn reveal(value: &Expr, errors: &mut Errors) -> Vec<Ident> {
    let Some(array) = list(value, "reveal", errors) else {
        return Vec::new();
    };
    let mut kinds: Vec<Ident> = Vec::new();
    for elem in &array.elems {
        let Some(kind) = named(elem, &rules::VAULT_KINDS, "vault kind", errors) else {
            continue;
        };
        if kinds.contains(&kind.value) {
            errors.at(
                kind.span,
                format!("vault kind `{}` is listed twice", kind.value),
            );
        } else {
            kinds.push(kind.value);
        }
    }
    kinds
}
