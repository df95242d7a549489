//! The content guard SIGIL ships: the scanner finds sensitive values, the vault keeps them.
//!
//! - Results (text, structured content, tool error messages): every hit whose category's action
//!   is `vault` is encrypted into the vault under the caller's principal and trust and replaced by
//!   its pointer; a `block` action refuses the result. The client never sees the value.
//! - Other content going to the client (prompt messages, resource contents, listings, which
//!   `sigil proxy` passes on from its upstream): the same as results; base64 bytes (a blob, an
//!   image) that hold a finding are withheld whole.
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
use crate::scan::{Category, Hit, Scanner, json_pieces, redact};
use crate::tool::{ToolOutput, ToolSpec};
use crate::vault::{ResolveRequest, Vault, VaultRefusal};

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

    /// Replaces every vaulted hit in `v` by its pointer, and counts rules. `v` is scanned as
    /// one JSON document on the JSON-aware route ([`Scanner::scan_json`]): keys are content
    /// and give their values context, so a rule anchored on a key (`aws_secret_access_key`)
    /// fires on structured data as on a config file. Each piece of a string (or number) that a
    /// hit covers is vaulted and replaced; a number becomes its pointer as a string.
    fn protect_json(
        &self,
        v: &mut Value,
        caller: &Caller,
        report: &mut Tally,
    ) -> Result<(), Blocked> {
        let raw = v.to_string();
        let hits = self.hits(&raw, Side::Result, report)?;
        if hits.is_empty() {
            return Ok(());
        }
        let mut out = String::with_capacity(raw.len());
        let mut at = 0;
        for hit in &hits {
            for piece in json_pieces(&raw, hit.span.clone()) {
                // Pieces are in order and hits do not overlap; skip any leftover.
                if piece.raw.start < at {
                    continue;
                }
                let pointer = self
                    .vault
                    .store(&piece.text, hit.kind, caller.principal(), caller.trust())
                    .map_err(|e| {
                        tracing::error!(error = %e, "the vault could not store an intercepted value");
                        Blocked::VaultUnavailable
                    })?;
                out.push_str(&raw[at..piece.raw.start]);
                // A pointer has no quote, backslash or control character, so it is the same
                // inside a JSON string; a number it replaces becomes a string.
                if piece.number {
                    out.push('"');
                }
                out.push_str(&pointer.to_string());
                if piece.number {
                    out.push('"');
                }
                at = piece.raw.end;
                report.interceptions += 1;
            }
        }
        out.push_str(&raw[at..]);
        *v = serde_json::from_str(&out).map_err(|e| {
            tracing::error!(error = %e, "a result with pointers did not parse again");
            Blocked::VaultUnavailable
        })?;
        Ok(())
    }

    /// The kind of the first finding in base64 bytes (an image, audio, a resource's blob) or
    /// their MIME type, counted as an interception: such bytes are withheld whole, since a
    /// pointer cannot stand inside them. A `block` action refuses.
    fn bytes_finding(
        &self,
        data: &str,
        mime_type: &str,
        tally: &mut Tally,
    ) -> Result<Option<&'static str>, Blocked> {
        let mut hits = self.scanner.scan_text(data.as_bytes());
        hits.extend(self.scanner.scan_text(mime_type.as_bytes()));
        for hit in &hits {
            tally.count(hit);
            if self.action(hit.category) == ScanAction::Block {
                return Err(Blocked::Content {
                    side: Side::Result,
                    category: hit.category,
                    rule: hit.rule.to_string(),
                });
            }
        }
        let first = hits.first().map(|h| h.kind.tag());
        if first.is_some() {
            tally.interceptions += 1;
        }
        Ok(first)
    }

    /// Withholds, anywhere in `v`, the bytes of a resource's `blob` or of an image or audio
    /// block's `data` that hold a finding: a blob becomes a `text` saying so, a block a text
    /// block.
    fn withhold_bytes(&self, v: &mut Value, tally: &mut Tally) -> Result<(), Blocked> {
        match v {
            Value::Array(items) => {
                for item in items {
                    self.withhold_bytes(item, tally)?;
                }
            }
            Value::Object(m) => {
                let media = matches!(
                    m.get("type").and_then(Value::as_str),
                    Some("image" | "audio")
                );
                let field = if m.contains_key("blob") {
                    Some("blob")
                } else if media {
                    Some("data")
                } else {
                    None
                };
                let bytes = field.and_then(|f| m.get(f)).and_then(Value::as_str);
                if let (Some(field), Some(bytes)) = (field, bytes) {
                    let mime = m.get("mimeType").and_then(Value::as_str).unwrap_or("");
                    if let Some(kind) = self.bytes_finding(bytes, mime, tally)? {
                        if field == "blob" {
                            m.remove("blob");
                            let line =
                                format!("[SIGIL: a resource's bytes withheld: they held {kind}]");
                            m.insert("text".into(), Value::String(line));
                        } else {
                            let what = if m.get("type").and_then(Value::as_str) == Some("audio") {
                                "audio"
                            } else {
                                "an image"
                            };
                            let line = format!("[SIGIL: {what} withheld: it held {kind}]");
                            *v = serde_json::json!({"type": "text", "text": line});
                        }
                        return Ok(());
                    }
                }
                for item in m.values_mut() {
                    self.withhold_bytes(item, tally)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The hits of `raw` (a JSON document), each counted; a `block` action refuses.
    fn hits(&self, raw: &str, side: Side, report: &mut Tally) -> Result<Vec<Hit>, Blocked> {
        let hits = self.scanner.scan_json(raw.as_bytes());
        for hit in &hits {
            report.count(hit);
            if self.action(hit.category) == ScanAction::Block {
                return Err(Blocked::Content {
                    side,
                    category: hit.category,
                    rule: hit.rule.to_string(),
                });
            }
        }
        Ok(hits)
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
        meta: &Map<String, Value>,
    ) -> Result<GuardReport, Blocked> {
        let mut tally = Tally::default();
        let mut value = Value::Object(std::mem::take(args));
        // `_meta` too: the tool never sees it, but it reaches the audit trail. (A map of small
        // values, so rendering it as a `Value` costs little.)
        let scanned = self
            .hits(&value.to_string(), Side::Arguments, &mut tally)
            .and_then(|_| {
                if meta.is_empty() {
                    return Ok(Vec::new());
                }
                let meta = Value::Object(meta.clone()).to_string();
                self.hits(&meta, Side::Arguments, &mut tally)
            })
            .map(drop);
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
        if outcomes
            .iter()
            .any(|o| o.refusal == Some(VaultRefusal::Unavailable))
        {
            // The store is down: the tool would get a pointer instead of the value it reveals.
            if let Value::Object(m) = value {
                *args = m;
            }
            return Err(Blocked::VaultUnavailable);
        }
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
            self.protect_json(structured, caller, &mut tally)?;
        }
        if text_is_rendering {
            if let Some(s) = &output.structured {
                output.text = vec![s.to_string()];
            }
        } else if !output.text.is_empty() {
            let mut texts = Value::Array(output.text.drain(..).map(Value::String).collect());
            self.protect_json(&mut texts, caller, &mut tally)?;
            if let Value::Array(texts) = texts {
                output.text = texts
                    .into_iter()
                    .map(|t| match t {
                        Value::String(s) => s,
                        other => other.to_string(),
                    })
                    .collect();
            }
        }
        // Images and audio: a pointer cannot stand inside their bytes, so one that holds a
        // finding (a key base64-encoded as an "image") is withheld, with a line saying why.
        let mut shift = 0;
        for mut m in std::mem::take(&mut output.media) {
            // Text blocks put in place of earlier media come before this one.
            m.after_texts += shift;
            match self.bytes_finding(&m.data, &m.mime_type, &mut tally)? {
                None => output.media.push(m),
                Some(kind) => {
                    let what = if m.audio { "audio" } else { "an image" };
                    output.text.insert(
                        m.after_texts.min(output.text.len()),
                        format!("[SIGIL: {what} withheld: it held {kind}]"),
                    );
                    shift += 1;
                }
            }
        }
        Ok(tally.into_report())
    }

    fn outbound_content(&self, caller: &Caller, value: &mut Value) -> Result<GuardReport, Blocked> {
        let mut tally = Tally::default();
        self.withhold_bytes(value, &mut tally)?;
        self.protect_json(value, caller, &mut tally)?;
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
