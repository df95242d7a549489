//! The content guard SIGIL ships: the scanner finds sensitive values, the vault keeps them.
//!
//! - Results (text, structured content, tool error messages): every hit whose category's action
//!   is `vault` is encrypted into the vault under the caller's principal and trust and replaced by
//!   its pointer; a `block` action refuses the result. The client never sees the value.
//! - Arguments: scanned for the audit trail (rule ids and counts) and for `block` actions; then
//!   vault pointers are resolved into clear values only where the vault's rules allow it (owner,
//!   trust, the tool's `reveal` kinds, expiry). Refused pointers stay opaque.
//! - Confirmation previews: the tool's `reveal` kinds in full, other hits masked with a keyed
//!   fingerprint (see `pipeline::preview_mask`).
//! - Client text bound for logs: hits replaced by `[KIND]`, then escaped to one visible line.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::config::{ScanAction, ScanConfig};
use crate::identity::Caller;
use crate::pipeline::preview_mask::PreviewMask;
use crate::pipeline::{Blocked, ContentGuard, GuardReport, Side};
use crate::scan::{Category, Hit, Scanner, redact};
use crate::tool::{ToolOutput, ToolSpec};
use crate::vault::{ResolveRequest, Vault};

/// Scanner + vault behind the pipeline's content seam.
pub struct ScanVaultGuard {
    scanner: Scanner,
    vault: Arc<Vault>,
    actions: ScanConfig,
    preview: Option<PreviewMask>,
}

impl std::fmt::Debug for ScanVaultGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanVaultGuard")
            .field("rules", &self.scanner.rule_count())
            .finish_non_exhaustive()
    }
}

impl ScanVaultGuard {
    /// A guard scanning with `scanner`, vaulting into `vault`, acting per `actions`.
    pub fn new(scanner: Scanner, vault: Arc<Vault>, actions: ScanConfig) -> Self {
        Self {
            scanner,
            vault,
            actions,
            preview: PreviewMask::new(),
        }
    }

    fn action(&self, category: Category) -> ScanAction {
        self.actions.action(category)
    }

    /// The hits in `text`, at spans of `text`. A string under an object key is scanned as
    /// `key: text`, so that a rule anchored on its key (`aws_secret_access_key: …`) fires on
    /// structured data as on a config file; only hits inside the value are kept (the key is
    /// scanned on its own).
    fn hits_in(&self, text: &str, key: Option<&str>) -> Vec<Hit> {
        let Some(key) = key else {
            return self.scanner.scan_text(text.as_bytes());
        };
        let mut joined = format!("{key}: ");
        let offset = joined.len();
        joined.push_str(text);
        self.scanner
            .scan_text(joined.as_bytes())
            .into_iter()
            .filter(|h| h.span.start >= offset)
            .map(|mut h| {
                h.span = h.span.start - offset..h.span.end - offset;
                h
            })
            .collect()
    }

    /// Replaces every vaulted hit in `text` (under `key`, if any) by its pointer; counts rules.
    fn protect_text(
        &self,
        text: &str,
        key: Option<&str>,
        caller: &Caller,
        report: &mut Tally,
    ) -> Result<Option<String>, Blocked> {
        let mut hits = self.hits_in(text, key);
        if hits.is_empty() {
            return Ok(None);
        }
        hits.sort_by_key(|h| (h.span.start, std::cmp::Reverse(h.span.end)));
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for hit in hits {
            report.count(&hit);
            if self.action(hit.category) == ScanAction::Block {
                return Err(Blocked::Content {
                    side: Side::Result,
                    category: hit.category,
                    rule: hit.rule.to_string(),
                });
            }
            // Overlaps were resolved by the scanner; skip any leftover, and any span that is not
            // on character boundaries (the scanner widens spans, so this does not happen).
            let (Some(before), Some(value)) =
                (text.get(at..hit.span.start), text.get(hit.span.clone()))
            else {
                continue;
            };
            if hit.span.start < at {
                continue;
            }
            let pointer = self
                .vault
                .store(value, hit.kind, caller.principal(), caller.trust())
                .map_err(|e| {
                    tracing::error!(error = %e, "the vault could not store an intercepted value");
                    Blocked::VaultUnavailable
                })?;
            out.push_str(before);
            out.push_str(&pointer.to_string());
            at = hit.span.end;
            report.interceptions += 1;
        }
        out.push_str(text.get(at..).unwrap_or_default());
        Ok(Some(out))
    }

    /// Protects `v`, which sits under the object key `key` (inherited through arrays), if any.
    fn protect_value(
        &self,
        v: &mut Value,
        key: Option<&str>,
        caller: &Caller,
        report: &mut Tally,
    ) -> Result<(), Blocked> {
        match v {
            Value::String(s) => {
                if let Some(new) = self.protect_text(s, key, caller, report)? {
                    *s = new;
                }
            }
            Value::Array(a) => {
                for x in a {
                    self.protect_value(x, key, caller, report)?;
                }
            }
            Value::Object(m) => {
                // Keys are content too: a secret used as a key is vaulted like a value. The map
                // is rebuilt in its order so that a renamed key keeps its place.
                for (key, mut x) in std::mem::take(m) {
                    self.protect_value(&mut x, Some(&key), caller, report)?;
                    let key = self
                        .protect_text(&key, None, caller, report)?
                        .unwrap_or(key);
                    m.insert(key, x);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn scan_arguments(
        &self,
        v: &Value,
        key: Option<&str>,
        report: &mut Tally,
    ) -> Result<(), Blocked> {
        match v {
            Value::String(s) => self.scan_argument_text(s, key, report)?,
            Value::Array(a) => a
                .iter()
                .try_for_each(|x| self.scan_arguments(x, key, report))?,
            // Object keys are scanned like values, and give their values context.
            Value::Object(m) => m.iter().try_for_each(|(k, x)| {
                self.scan_argument_text(k, None, report)?;
                self.scan_arguments(x, Some(k), report)
            })?,
            _ => {}
        }
        Ok(())
    }

    fn scan_argument_text(
        &self,
        text: &str,
        key: Option<&str>,
        report: &mut Tally,
    ) -> Result<(), Blocked> {
        for hit in self.hits_in(text, key) {
            report.count(&hit);
            if self.action(hit.category) == ScanAction::Block {
                return Err(Blocked::Content {
                    side: Side::Arguments,
                    category: hit.category,
                    rule: hit.rule.to_string(),
                });
            }
        }
        Ok(())
    }
}

#[derive(Default)]
struct Tally {
    interceptions: u32,
    rules: BTreeMap<String, u32>,
}

impl Tally {
    fn count(&mut self, hit: &Hit) {
        *self.rules.entry(hit.rule.to_string()).or_default() += 1;
    }

    fn into_report(self) -> GuardReport {
        GuardReport {
            scanned: true,
            interceptions: self.interceptions,
            rules: self.rules.into_iter().collect(),
            resolved: Vec::new(),
            refused: Vec::new(),
        }
    }
}

impl ContentGuard for ScanVaultGuard {
    fn describe(&self) -> String {
        "every argument and result scanned; what results leak is vaulted and replaced by pointers"
            .to_owned()
    }

    fn inbound(
        &self,
        caller: &Caller,
        spec: &ToolSpec,
        args: &mut Map<String, Value>,
    ) -> Result<GuardReport, Blocked> {
        let mut tally = Tally::default();
        let mut value = Value::Object(std::mem::take(args));
        let scanned = self.scan_arguments(&value, None, &mut tally);
        let mut report = tally.into_report();
        let outcomes = match scanned {
            Ok(()) => {
                let req = ResolveRequest::new(caller.principal(), caller.trust(), spec.reveals());
                self.vault.resolve_in_value(&mut value, &req)
            }
            Err(e) => {
                *args = match value {
                    Value::Object(m) => m,
                    _ => Map::new(),
                };
                return Err(e);
            }
        };
        for o in outcomes {
            if o.is_resolved() {
                report.resolved.push(o.pointer.kind.tag().to_owned());
            } else {
                report.refused.push(format!(
                    "{} pointer not resolved: {}",
                    o.pointer.kind.tag(),
                    o.reason()
                ));
            }
        }
        if let Value::Object(m) = value {
            *args = m;
        }
        Ok(report)
    }

    fn outbound(
        &self,
        caller: &Caller,
        _spec: &ToolSpec,
        output: &mut ToolOutput,
    ) -> Result<GuardReport, Blocked> {
        let mut tally = Tally::default();
        // When the text block is the JSON rendering of the structured content, redact the
        // structure and render it again, so both say the same pointers.
        let rendered = output.structured.as_ref().map(Value::to_string);
        let text_is_rendering = rendered.is_some()
            && output.text.len() == 1
            && output.text.first() == rendered.as_ref();
        if let Some(structured) = output.structured.as_mut() {
            self.protect_value(structured, None, caller, &mut tally)?;
        }
        if text_is_rendering {
            if let Some(s) = &output.structured {
                output.text = vec![s.to_string()];
            }
        } else {
            for t in &mut output.text {
                if let Some(new) = self.protect_text(t, None, caller, &mut tally)? {
                    *t = new;
                }
            }
        }
        Ok(tally.into_report())
    }

    fn preview_mask(&self, spec: &ToolSpec, text: &str) -> String {
        let hits = self.scanner.scan_text(text.as_bytes());
        match &self.preview {
            Some(mask) => mask.apply(text, &hits, spec.reveals()),
            // No fingerprint key (no OS randomness): mask every hit whole, fail closed.
            None => redact(text, &hits, |h| format!("[{}]", h.kind.tag())),
        }
    }

    fn log_safe(&self, text: &str) -> String {
        let hits = self.scanner.scan_text(text.as_bytes());
        crate::confirm::visible_line(&redact(text, &hits, |h| format!("[{}]", h.kind.tag())))
    }
}
