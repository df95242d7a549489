//! Validate stage: checks that involve the method or several keys at once, producing the
//! model `codegen.rs` generates from. Every mistake is recorded; the model is only returned
//! when this tool had none.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{
    Attribute, Expr, ExprLit, FnArg, Ident, ImplItemFn, Lit, LitBool, LitStr, Meta, ReturnType,
    Signature, Type, TypeReference,
};

use crate::args::{Confirm, ToolArgs};
use crate::diagnostics::Errors;
use crate::rules::{self, Risk, Trust};

/// One tool, checked: everything code generation needs.
pub(crate) struct Tool {
    /// The user's method name (with its span).
    pub(crate) method: Ident,
    /// The MCP tool name.
    pub(crate) name: String,
    /// Where the name came from, for duplicate-name errors.
    pub(crate) name_span: Span,
    pub(crate) description: String,
    pub(crate) title: Option<LitStr>,
    pub(crate) risk: Risk,
    pub(crate) confirm: bool,
    pub(crate) trust: Option<Trust>,
    pub(crate) scopes: Vec<LitStr>,
    pub(crate) rate: Option<LitStr>,
    pub(crate) reveal: Vec<Ident>,
    pub(crate) hints: Hints,
    /// The extractor types, in order, after `&self`.
    pub(crate) args: Vec<Type>,
    /// The declared return type; `None` for `()` written as nothing.
    pub(crate) output: Option<Type>,
}

/// The annotation hints the user wrote.
#[derive(Default)]
pub(crate) struct Hints {
    pub(crate) read_only: Option<bool>,
    pub(crate) destructive: Option<bool>,
    pub(crate) idempotent: Option<bool>,
    pub(crate) open_world: Option<bool>,
}

impl Hints {
    pub(crate) fn any(&self) -> bool {
        self.read_only.is_some()
            || self.destructive.is_some()
            || self.idempotent.is_some()
            || self.open_world.is_some()
    }
}

/// Checks one `#[sigil::tool]` method with its parsed arguments. `attr` is the attribute, where
/// mistakes about something missing from it are reported.
pub(crate) fn tool(
    method: &ImplItemFn,
    args: ToolArgs,
    attr: &Attribute,
    errors: &mut Errors,
) -> Option<Tool> {
    let before = ErrorCount::of(errors);
    let sig = &method.sig;
    let (arg_types, output) = signature(sig, errors);

    let risk = args.risk.as_ref().map(|r| r.value);
    if !args.given("risk") {
        errors.over(
            attr,
            "missing `risk`: every tool declares how much harm a call can do\n\
             add `risk = Low`, `risk = Medium`, `risk = High` or `risk = Critical`",
        );
    }
    if let (Some(risk), Some(confirm)) = (risk, &args.confirm) {
        confirm_fits(risk, confirm.value, confirm.span, errors);
    }
    if let (Some(risk), Some(trust)) = (args.risk.as_ref(), args.trust.as_ref()) {
        let floor = risk.value.trust_floor();
        if trust.value < floor {
            errors.at(
                trust.span,
                format!(
                    "`trust = {}` is below the floor `risk = {}` sets: a `{}` risk tool needs at least `trust = {}`\n\
                     raise `trust` or remove it",
                    trust.value.name(),
                    risk.value.name(),
                    risk.value.name(),
                    floor.name()
                ),
            );
        }
    }
    let hints = Hints {
        read_only: args.read_only_hint.as_ref().map(LitBool::value),
        destructive: args.destructive_hint.as_ref().map(LitBool::value),
        idempotent: args.idempotent_hint.as_ref().map(LitBool::value),
        open_world: args.open_world_hint.as_ref().map(LitBool::value),
    };
    if let Some(risk) = risk {
        for (lit, read_only, destructive, key) in [
            (
                &args.read_only_hint,
                hints.read_only,
                None,
                "read_only_hint",
            ),
            (
                &args.destructive_hint,
                None,
                hints.destructive,
                "destructive_hint",
            ),
        ] {
            if let (Some(lit), Some(why)) = (lit, risk.contradiction(read_only, destructive)) {
                errors.at(
                    lit.span(),
                    format!(
                        "`{key} = {}` contradicts `risk = {}`: {why}",
                        lit.value(),
                        risk.name()
                    ),
                );
            }
        }
    }

    let (name, name_span) = tool_name(&sig.ident, args.name.as_ref(), errors);
    let description = description(&method.attrs, args.description.as_ref());
    if description.is_empty() {
        errors.at(
            sig.ident.span(),
            format!(
                "tool `{name}` has no description: the model reads it to decide when to call the tool\n\
                 add a doc comment (`/// What it does.`) or `description = \"...\"` to `#[sigil::tool]`"
            ),
        );
    }

    if ErrorCount::of(errors) != before {
        return None;
    }
    Some(Tool {
        method: sig.ident.clone(),
        name,
        name_span,
        description,
        title: args.title,
        risk: risk?,
        confirm: args.confirm.is_some(),
        trust: args.trust.map(|t| t.value),
        scopes: args.scopes,
        rate: args.rate,
        reveal: args.reveal,
        hints,
        args: arg_types,
        output,
    })
}

/// Counts recorded errors, to tell whether checking one tool added any.
#[derive(PartialEq, Eq)]
struct ErrorCount(usize);

impl ErrorCount {
    fn of(errors: &Errors) -> Self {
        Self(errors.len())
    }
}

fn confirm_fits(risk: Risk, confirm: Confirm, span: Span, errors: &mut Errors) {
    match (confirm, risk) {
        (Confirm::False, Risk::Critical) => errors.at(
            span,
            "`Critical` tools always confirm; confirmation cannot be switched off\n\
             remove `confirm = false` (or lower the risk if the tool is not critical)",
        ),
        (Confirm::False, _) => errors.at(
            span,
            "`confirm` takes no value: no confirmation is the default, so remove `confirm = false`",
        ),
        (Confirm::Bare, _) => {}
    }
}

/// Checks the signature: `async fn name(&self, extractors...) -> Output`, nothing generic,
/// nothing the pipeline cannot call. Returns the extractor types and the return type.
fn signature(sig: &Signature, errors: &mut Errors) -> (Vec<Type>, Option<Type>) {
    header(sig, errors);
    let mut inputs = sig.inputs.iter();
    receiver(sig, inputs.next(), errors);
    let mut types = Vec::new();
    for input in inputs {
        match input {
            FnArg::Typed(pat) => {
                if contains_impl_trait(&pat.ty) {
                    errors.over(
                        &pat.ty,
                        "a `#[sigil::tool]` argument cannot be `impl Trait`: name a concrete extractor such as `Caller` or `Parameters<MyArgs>`",
                    );
                }
                types.push((*pat.ty).clone());
            }
            FnArg::Receiver(receiver) => {
                errors.over(receiver, "`self` must be the first argument");
            }
        }
    }

    let output = match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => {
            if contains_impl_trait(ty) {
                errors.over(
                    ty,
                    "a `#[sigil::tool]` must name its return type: `impl Trait` hides it from the output schema",
                );
            }
            Some((**ty).clone())
        }
    };
    (types, output)
}

/// `async fn` and nothing else: not `const`, `unsafe`, `extern`, variadic or generic.
fn header(sig: &Signature, errors: &mut Errors) {
    let name = sig.ident.unraw();
    if let Some(token) = &sig.constness {
        errors.at(
            token.span,
            "a `#[sigil::tool]` cannot be a `const fn`: remove `const` and write `async fn`",
        );
    }
    if sig.asyncness.is_none() && sig.constness.is_none() {
        errors.at(
            sig.fn_token.span,
            format!("`#[sigil::tool]` needs an `async fn`: write `async fn {name}(&self, ...)`"),
        );
    }
    if let Some(token) = &sig.unsafety {
        errors.at(
            token.span,
            "a `#[sigil::tool]` cannot be an `unsafe fn`: the pipeline calls it with no safety contract to uphold\n\
             remove `unsafe` and keep any `unsafe` block inside the body",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.over(
            abi,
            "a `#[sigil::tool]` cannot declare an ABI: remove `extern`",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.over(variadic, "a `#[sigil::tool]` cannot be variadic");
    }
    if !sig.generics.params.is_empty() {
        errors.over(
            &sig.generics,
            "a `#[sigil::tool]` cannot be generic: each tool needs one concrete input and output schema\n\
             use concrete types such as `Parameters<MyArgs>`",
        );
    } else if let Some(clause) = &sig.generics.where_clause {
        errors.over(
            clause,
            "a `#[sigil::tool]` cannot have a `where` clause: each tool needs one concrete input and output schema",
        );
    }
}

/// The first argument must be `&self` (or `self: &Self`).
fn receiver(sig: &Signature, first: Option<&FnArg>, errors: &mut Errors) {
    let name = sig.ident.unraw();
    match first {
        Some(FnArg::Receiver(receiver)) => {
            let by_shared_ref = match (&receiver.reference, &receiver.colon_token) {
                (Some(_), None) => receiver.mutability.is_none(),
                (None, Some(_)) => matches!(
                    &*receiver.ty,
                    Type::Reference(TypeReference { mutability: None, elem, .. })
                        if matches!(&**elem, Type::Path(p) if p.path.is_ident("Self"))
                ),
                _ => false,
            };
            if !by_shared_ref {
                let message = if let Some(token) = &receiver.mutability
                    && receiver.reference.is_some()
                {
                    errors.at(
                        token.span,
                        "a `#[sigil::tool]` method takes `&self`, not `&mut self`: calls run concurrently\n\
                         keep mutable state behind a `Mutex` or an atomic and write `&self`",
                    );
                    None
                } else if receiver.colon_token.is_some() {
                    Some(
                        "a `#[sigil::tool]` method takes `&self`; typed receivers such as `self: Arc<Self>` are not supported",
                    )
                } else {
                    Some(
                        "a `#[sigil::tool]` method takes `&self`, not `self`: one server value serves every call\nwrite `&self`",
                    )
                };
                if let Some(message) = message {
                    errors.over(receiver, message);
                }
            }
        }
        first => {
            let span = first.map_or_else(|| sig.paren_token.span.join(), Spanned::span);
            errors.at(
                span,
                format!(
                    "a `#[sigil::tool]` method takes `&self` first: write `async fn {name}(&self, ...)`"
                ),
            );
        }
    }
}

fn contains_impl_trait(ty: &Type) -> bool {
    use quote::ToTokens;
    // `impl` is a keyword: it can only appear in a type as `impl Trait`.
    ty.to_token_stream()
        .into_iter()
        .any(|tt| contains_impl_token(&tt))
}

fn contains_impl_token(tt: &proc_macro2::TokenTree) -> bool {
    match tt {
        proc_macro2::TokenTree::Ident(i) => i == "impl",
        proc_macro2::TokenTree::Group(g) => g.stream().into_iter().any(|t| contains_impl_token(&t)),
        _ => false,
    }
}

/// The MCP name: `name = "..."`, else the method name. Refused unless it follows MCP's rule.
fn tool_name(method: &Ident, name: Option<&LitStr>, errors: &mut Errors) -> (String, Span) {
    let (value, span, fix) = match name {
        Some(lit) => (lit.value(), lit.span(), "change `name`"),
        None => (
            method.unraw().to_string(),
            method.span(),
            "rename the method or set `name = \"...\"`",
        ),
    };
    if !rules::tool_name_is_valid(&value) {
        errors.at(
            span,
            format!(
                "invalid tool name {value:?}: MCP tool names are 1 to 128 characters from `A-Z`, `a-z`, `0-9`, `_`, `.` and `-`\n{fix}"
            ),
        );
    }
    (value, span)
}

/// `description = "..."` if given, else the doc comment: one leading space stripped from each
/// line, surrounding blank lines dropped.
fn description(attrs: &[Attribute], explicit: Option<&LitStr>) -> String {
    if let Some(lit) = explicit {
        return lit.value().trim().to_owned();
    }
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .flat_map(|doc| {
            // `split`, not `lines`: an empty `///` line is `""` and must stay a blank line.
            doc.split('\n')
                .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    lines.join("\n").trim().to_owned()
}
