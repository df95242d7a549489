//! The `_sigil` object other SIGIL implementations send with a request: `identity` and
//! `trust_level` chosen by the client. Self-asserted, so recorded as such and never decided on.
//!
//! rmcp keeps a request's `_meta` and drops unknown fields of `params`, so it is read from
//! `params._meta._sigil`; a top-level `params._sigil` never reaches a handler.

use serde_json::Value;

use crate::audit::EventKind;
use crate::identity::Caller;
use crate::pipeline::{Decision, Pipeline, Who};

/// The `_meta` key holding a legacy SIGIL envelope.
pub(crate) const LEGACY_KEY: &str = "_sigil";

/// Longest asserted value copied into the audit trail.
const MAX_SHOWN: usize = 128;

impl Pipeline {
    /// Records a legacy `_sigil` envelope in `meta`, if any, as `self_asserted`. The caller's
    /// verified identity is untouched.
    pub(crate) fn record_self_asserted(
        &self,
        caller: &Caller,
        tool: Option<&str>,
        meta: &serde_json::Map<String, Value>,
    ) {
        let Some(envelope) = meta.get(LEGACY_KEY) else {
            return;
        };
        let mut record = self
            .record(EventKind::SelfAsserted, Who::Caller(caller))
            .decision(Decision::Ignored)
            .reason(describe(envelope));
        if let Some(tool) = tool {
            record = record.tool(tool);
        }
        record.append();
    }
}

/// What the client claimed, for the audit trail: `identity` and `trust_level` when they are short
/// plain strings; anything else only named, never copied (it could hold anything).
fn describe(envelope: &Value) -> String {
    let Value::Object(fields) = envelope else {
        return "client sent a _sigil envelope that is not an object; ignored".into();
    };
    let shown = |key: &str| match fields.get(key) {
        None => "absent".to_owned(),
        Some(Value::String(s)) if plain(s) => format!("{s:?}"),
        Some(_) => "(not shown: not a short plain string)".to_owned(),
    };
    format!(
        "client asserted identity {}, trust_level {}; self-asserted, not used for any decision",
        shown("identity"),
        shown("trust_level")
    )
}

/// A short string of identifier characters (no spaces, quotes or control characters).
fn plain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SHOWN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b":._@#/+-=".contains(&b))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn short_plain_claims_are_shown_and_anything_else_is_only_named() {
        let said = describe(&json!({"identity": "did:sigil:agent-7", "trust_level": "high"}));
        assert!(said.contains("identity \"did:sigil:agent-7\""), "{said}");
        assert!(said.contains("trust_level \"high\""), "{said}");
        assert!(said.contains("not used for any decision"));
        let odd = describe(&json!({"identity": "x\n\"forged\": 1", "trust_level": {"a": 1}}));
        assert!(!odd.contains("forged"), "{odd}");
        assert!(odd.contains("identity (not shown"), "{odd}");
        assert!(describe(&json!({"identity": "a".repeat(500)})).contains("not shown"));
        assert!(describe(&json!({})).contains("identity absent"));
        assert!(describe(&json!("admin")).contains("not an object"));
    }
}
