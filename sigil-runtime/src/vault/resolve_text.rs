//! Resolving every pointer in a piece of text, a raw JSON document, or a `serde_json::Value`.
//!
//! Allowed pointers are replaced by their values; refused ones stay as the opaque pointer text.
//! Each occurrence yields a [`ResolveOutcome`] for the audit trail, which never holds the value.

use std::ops::Range;

use serde_json::Value;
use zeroize::Zeroizing;

use super::pointer::find_pointers;
use super::resolve_request::{ResolveOutcome, ResolveRequest};
use super::service::Vault;

/// How a resolved value is written into the output.
#[derive(Clone, Copy)]
enum Splice {
    /// As is.
    Raw,
    /// Escaped as the inside of a JSON string.
    JsonString,
}

impl Vault {
    /// `text` with each pointer that `req` may resolve replaced by its value, and one outcome
    /// per pointer occurrence. Values are inserted as is: use this on decoded text, not raw JSON.
    pub fn resolve_in_text(
        &self,
        text: &str,
        req: &ResolveRequest<'_>,
    ) -> (Zeroizing<String>, Vec<ResolveOutcome>) {
        self.splice(text, req, Splice::Raw)
    }

    /// Like [`Vault::resolve_in_text`] on raw JSON text: each value is JSON-string-escaped
    /// before it replaces its pointer, so the document stays valid JSON. Pointers only occur
    /// inside JSON strings (a pointer is not valid JSON outside one).
    pub fn resolve_in_json(
        &self,
        json: &str,
        req: &ResolveRequest<'_>,
    ) -> (Zeroizing<String>, Vec<ResolveOutcome>) {
        self.splice(json, req, Splice::JsonString)
    }

    /// Resolves pointers inside every string of `value`, in place (object keys are left
    /// alone). This is what the pipeline uses on decoded tool arguments. The resolved strings
    /// are plain `String`s inside the `Value`: drop the `Value` as soon as the tool has it.
    pub fn resolve_in_value(
        &self,
        value: &mut Value,
        req: &ResolveRequest<'_>,
    ) -> Vec<ResolveOutcome> {
        let mut outcomes = Vec::new();
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v {
                Value::String(s) => {
                    if memchr::memmem::find(s.as_bytes(), b"[SIGIL-VAULT:").is_none() {
                        continue;
                    }
                    let (mut resolved, found) = self.splice(s, req, Splice::Raw);
                    if found.iter().any(ResolveOutcome::is_resolved) {
                        *s = std::mem::take(&mut *resolved);
                    }
                    outcomes.extend(found);
                }
                Value::Array(items) => stack.extend(items.iter_mut().rev()),
                Value::Object(map) => {
                    let values: Vec<&mut Value> = map.values_mut().collect();
                    stack.extend(values.into_iter().rev());
                }
                Value::Null | Value::Bool(_) | Value::Number(_) => {}
            }
        }
        outcomes
    }

    fn splice(
        &self,
        text: &str,
        req: &ResolveRequest<'_>,
        how: Splice,
    ) -> (Zeroizing<String>, Vec<ResolveOutcome>) {
        // Resolve first, then build the output in one allocation of the right size, so no
        // partially filled buffer holding a value is left behind by a reallocation.
        let mut outcomes = Vec::new();
        let mut pieces: Vec<(Range<usize>, Zeroizing<String>)> = Vec::new();
        for (range, pointer) in find_pointers(text) {
            let (owner, result) = self.resolve_outcome(&pointer, req);
            let refusal = match result {
                Ok(value) => {
                    let value = match how {
                        Splice::Raw => value,
                        Splice::JsonString => json_escaped(&value),
                    };
                    pieces.push((range, value));
                    None
                }
                Err(refusal) => Some(refusal),
            };
            outcomes.push(ResolveOutcome {
                pointer,
                owner,
                refusal,
            });
        }
        let len = pieces.iter().fold(text.len(), |n, (range, value)| {
            n - range.len() + value.len()
        });
        let mut out = Zeroizing::new(String::with_capacity(len));
        let mut copied = 0;
        for (range, value) in &pieces {
            out.push_str(&text[copied..range.start]);
            out.push_str(value);
            copied = range.end;
        }
        out.push_str(&text[copied..]);
        (out, outcomes)
    }
}

/// `value` escaped as the inside of a JSON string, using serde_json's escaping.
fn json_escaped(value: &str) -> Zeroizing<String> {
    // Sized up front: an escape is at most 6 bytes per input byte, plus the quotes.
    let mut quoted = Zeroizing::new(Vec::with_capacity(value.len() * 6 + 2));
    // Writing a `&str` into a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut *quoted, value);
    let inner = quoted
        .get(1..quoted.len().saturating_sub(1))
        .unwrap_or_default();
    Zeroizing::new(String::from_utf8_lossy(inner).into_owned())
}
