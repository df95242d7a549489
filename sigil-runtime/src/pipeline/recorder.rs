//! The one recorder: every audit record the server writes is made here, from a typed decision.
//!
//! A record says who (a caller's principal, or `anonymous`), what happened, and as far as known
//! the tool, the verdict, a reason, rule counts and the argument digest. The fields that can hold
//! the client's text pass one sanitising step, here and nowhere else:
//!
//! - the tool name: a registered tool's own name; any other name (the client's text, not needed
//!   in clear) becomes `unknown:sha256:<first 16 hex digits>`;
//! - the reason: scanned, with sensitive values replaced by their kind
//!   ([`ContentGuard::log_safe`](crate::pipeline::ContentGuard::log_safe)), and escaped to one
//!   visible line.
//!
//! Nothing else in `server/` or `pipeline/` builds an `AuditEvent`.

use std::fmt;

use crate::audit::{AuditEvent, AuditId, EventKind};
use crate::basics::Principal;
use crate::identity::Caller;
use crate::pipeline::Pipeline;
use crate::pipeline::digest::args_digest;

/// Whom a record is about.
#[derive(Clone, Copy)]
pub(crate) enum Who<'a> {
    /// No identity was established.
    Anonymous,
    /// A caller the pipeline identified.
    Caller(&'a Caller),
    /// A principal verified outside a call (a PID presentation).
    Principal(&'a Principal),
    /// A principal already in canonical form, from the server's own state.
    Canonical(&'a str),
}

impl fmt::Display for Who<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Anonymous => f.write_str("anonymous"),
            Self::Caller(c) => c.principal().fmt(f),
            Self::Principal(p) => p.fmt(f),
            Self::Canonical(s) => f.write_str(s),
        }
    }
}

/// What was decided, as the record's `decision` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// The call passed every gate.
    Allowed,
    /// The call passed every gate and a human approved it.
    Confirmed,
    /// Refused: nothing after this ran.
    Refused,
    /// A credential or presentation was accepted.
    Accepted,
    /// Recorded and deliberately not decided on (a self-asserted identity).
    Ignored,
}

impl Decision {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Confirmed => "confirmed",
            Self::Refused => "refused",
            Self::Accepted => "accepted",
            Self::Ignored => "ignored",
        }
    }
}

/// One record being made; [`append`](Self::append) writes it.
#[must_use = "a record is written only by `append`"]
pub(crate) struct Recording<'p> {
    pipeline: &'p Pipeline,
    event: AuditEvent,
}

impl Pipeline {
    /// Starts a record of `kind` about `who`.
    pub(crate) fn record(&self, kind: EventKind, who: Who<'_>) -> Recording<'_> {
        Recording {
            pipeline: self,
            event: AuditEvent::new(kind, who.to_string()),
        }
    }

    /// A tool name as the audit log records it (see the module docs).
    pub(crate) fn tool_for_log(&self, name: &str) -> String {
        if self.tool(name).is_some() {
            return name.to_owned();
        }
        let full = args_digest(&serde_json::Value::String(name.to_owned()));
        format!("unknown:sha256:{}", &full[..16])
    }

    /// Text that may hold the client's words, as it may be written to the audit log, stderr or
    /// tracing: scanned, sensitive values replaced by their kind, escaped to one visible line.
    pub(crate) fn client_text(&self, text: &str) -> String {
        self.guard.log_safe(text)
    }
}

impl Recording<'_> {
    /// The tool concerned; the client's text for an unknown tool is replaced by its digest.
    pub(crate) fn tool(mut self, name: &str) -> Self {
        self.event.tool = Some(self.pipeline.tool_for_log(name));
        self
    }

    /// The decision.
    pub(crate) fn decision(mut self, decision: Decision) -> Self {
        self.event.decision = Some(decision.as_str().to_owned());
        self
    }

    /// Why, sanitised (see the module docs).
    pub(crate) fn reason(mut self, reason: impl fmt::Display) -> Self {
        self.event.reason = Some(self.pipeline.client_text(&reason.to_string()));
        self
    }

    /// The digest of the call's arguments.
    pub(crate) fn digest(mut self, digest: &str) -> Self {
        self.event.args_digest = Some(digest.to_owned());
        self
    }

    /// Rule ids with their hit counts.
    pub(crate) fn rules(mut self, rules: Vec<(String, u32)>) -> Self {
        self.event.rules = rules;
        self
    }

    /// Writes the record; a failure is logged and `None` returned.
    pub(crate) fn append(self) -> Option<AuditId> {
        self.try_append().ok()
    }

    /// Writes the record, for a decision that must not go ahead unrecorded (fail closed).
    pub(crate) fn try_append(self) -> Result<AuditId, ()> {
        self.pipeline.audit.append(self.event).map_err(|e| {
            tracing::error!(error = %e, "audit append failed");
        })
    }
}
