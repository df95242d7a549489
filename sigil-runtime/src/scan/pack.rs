//! Rule packs: the TOML data a scanner is compiled from. The format is documented in
//! `docs/src/scan-packs.md`.

use std::sync::Arc;

use serde::Deserialize;

use super::error::ScanError;
use super::hit::{Category, Severity};
use super::validators::Validator;
use crate::basics::DataKind;

/// A parsed rule pack: a name, a version, rules and allow-list patterns.
///
/// Parsing checks the shape and the fields' values (category, severity, kind, validators);
/// regexes are compiled when a `Scanner` is built from the pack.
#[derive(Debug, Clone)]
pub struct Pack {
    name: String,
    version: String,
    origin: String,
    rules: Vec<Rule>,
    allow: Vec<String>,
    /// The embedded default pack, whose rules are known to compile: they are compiled on
    /// first use (see `compiled_rule.rs`).
    embedded_default: bool,
}

/// One rule of a pack.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Rule {
    /// Unique id, kebab-case (`aws-access-key-id`).
    pub id: Arc<str>,
    /// Human-readable name.
    pub name: String,
    /// Category, which actions are configured by.
    pub category: Category,
    /// Severity.
    pub severity: Severity,
    /// What the vault stores a hit as.
    pub kind: DataKind,
    /// Lowercase ASCII prefilter keywords; empty for a keyword-less rule.
    pub keywords: Vec<String>,
    /// The regex (Rust syntax, matched on bytes, ASCII classes unless `(?u)` is set).
    pub pattern: String,
    /// Validators that must all pass.
    pub validators: Vec<Validator>,
    /// Higher wins when hits overlap.
    pub priority: i32,
    /// Texts that must produce a hit of this rule.
    pub examples: Vec<String>,
    /// Texts that must not produce a hit of this rule.
    pub negative: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    pack: PackHeader,
    #[serde(default)]
    rule: Vec<RuleFile>,
    #[serde(default)]
    allow: Vec<AllowFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackHeader {
    name: String,
    version: String,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowFile {
    pattern: String,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: String,
    name: String,
    category: String,
    severity: String,
    kind: String,
    #[serde(default)]
    keywords: Vec<String>,
    pattern: String,
    #[serde(default)]
    validator: Option<OneOrMany>,
    #[serde(default)]
    priority: i32,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    negative: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    references: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl Pack {
    /// Parses a pack from TOML text. `origin` names it in errors (a path or a label).
    pub fn parse(toml_text: &str, origin: &str) -> Result<Self, ScanError> {
        let file: PackFile = toml::from_str(toml_text).map_err(|e| ScanError::PackSyntax {
            origin: origin.to_owned(),
            message: e.message().to_owned() + &location(toml_text, e.span()),
        })?;
        let mut rules = Vec::with_capacity(file.rule.len());
        for r in file.rule {
            rules.push(rule_from_file(r, origin)?);
        }
        let mut seen = std::collections::HashSet::new();
        for r in &rules {
            if !seen.insert(r.id.clone()) {
                return Err(ScanError::DuplicateRule {
                    rule: r.id.to_string(),
                });
            }
        }
        Ok(Self {
            name: file.pack.name,
            version: file.pack.version,
            origin: origin.to_owned(),
            embedded_default: false,
            rules,
            allow: file.allow.into_iter().map(|a| a.pattern).collect(),
        })
    }

    /// The pack's name (`[pack] name`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The pack's version (`[pack] version`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Whether this is the embedded default pack ([`Pack::embedded_default`]).
    pub fn is_embedded_default(&self) -> bool {
        self.embedded_default
    }

    /// Marks the pack parsed from the embedded default TOML (only `scanner.rs` does).
    pub(crate) fn embedded(mut self) -> Self {
        self.embedded_default = true;
        self
    }

    /// Where the pack came from, as given to [`Pack::parse`].
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The rules, in pack order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The allow-list patterns (`[[allow]] pattern = ...`).
    pub fn allow_patterns(&self) -> &[String] {
        &self.allow
    }
}

fn location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(span) => {
            let at = span.start.min(text.len());
            let line = text.as_bytes()[..at]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            format!(" (line {line})")
        }
        None => String::new(),
    }
}

fn rule_from_file(r: RuleFile, origin: &str) -> Result<Rule, ScanError> {
    let bad = |reason: String| ScanError::InvalidRule {
        origin: origin.to_owned(),
        rule: r.id.clone(),
        reason,
    };
    if r.id.is_empty()
        || !r
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(bad("id must be kebab-case: a-z, 0-9 and `-`".into()));
    }
    let category = match r.category.as_str() {
        "credential" => Category::Credential,
        "secret" => Category::Secret,
        "financial" => Category::Financial,
        "pii" => Category::Pii,
        other => {
            return Err(bad(format!(
                "category `{other}` is not one of credential, secret, financial, pii"
            )));
        }
    };
    let severity = match r.severity.as_str() {
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        "critical" => Severity::Critical,
        other => {
            return Err(bad(format!(
                "severity `{other}` is not one of low, medium, high, critical"
            )));
        }
    };
    let kind = DataKind::parse(&r.kind)
        .ok_or_else(|| bad(format!("kind `{}` is not a vault kind", r.kind)))?;
    for k in &r.keywords {
        if k.is_empty() || !k.is_ascii() || k.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(bad(format!(
                "keyword `{k}` must be non-empty lowercase ASCII"
            )));
        }
    }
    let specs = match r.validator {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    };
    let mut validators = Vec::with_capacity(specs.len());
    for s in &specs {
        validators.push(Validator::parse(s).map_err(&bad)?);
    }
    Ok(Rule {
        id: Arc::from(r.id.as_str()),
        name: r.name,
        category,
        severity,
        kind,
        keywords: r.keywords,
        pattern: r.pattern,
        validators,
        priority: r.priority,
        examples: r.examples,
        negative: r.negative,
    })
}
