//! What the pipeline hands to the audit trail: one event per decision.

use std::fmt;

use super::error::AuditError;

/// What happened. The wire name (`as_str`) is what goes into the record's `event` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// The server started.
    ServerStart,
    /// The server stopped.
    ServerStop,
    /// A session began (legacy `initialize`, or an HTTP session).
    Session,
    /// A caller's identity was established.
    IdentityEstablished,
    /// A caller's credentials were refused.
    IdentityRefused,
    /// `tools/list` was answered (the record counts what was shown).
    ToolsList,
    /// A call passed every gate and the tool ran (`decision` says `allowed` or `confirmed`).
    CallAllowed,
    /// A call was refused before the tool ran (`reason` says why).
    CallRefused,
    /// A call was refused by a rate limit.
    RateLimited,
    /// A confirmation was asked of the human.
    ConfirmRequested,
    /// The human accepted.
    ConfirmAccepted,
    /// The human declined.
    ConfirmDeclined,
    /// The human cancelled (or the client could not ask).
    ConfirmCancelled,
    /// A confirmation or its sealed state expired, or was replayed.
    ConfirmExpired,
    /// The scanner intercepted values (rule ids and counts only).
    ScanInterception,
    /// A value was stored in the vault.
    VaultStore,
    /// A vault pointer was resolved for a tool.
    VaultResolve,
    /// A vault pointer was not resolved (wrong owner, trust, kind, or expired).
    VaultRefusal,
    /// The tool returned a result.
    ToolResult,
    /// The tool returned an error.
    ToolError,
    /// A checkpoint was written.
    Checkpoint,
    /// The MAC key moved to a new epoch.
    KeyEpoch,
    /// A client sent a legacy `_sigil` envelope asserting its own identity or trust: recorded,
    /// never decided on.
    SelfAsserted,
    /// What a front door decided about a tool's definition before serving it (`sigil proxy`:
    /// pinned, changed since pinned, approved, or rejected by the lint; `reason` says which,
    /// with the definition's SHA-256, never its text).
    ToolDefinition,
    /// A message was refused at the wire, before any handling: not JSON, not JSON-RPC, ill-typed
    /// params, duplicate keys, a second `initialize` (`reason` gives the category, the length and
    /// the parse position; never the message).
    RequestRejected,
    /// A prompt was got or a resource read, passed on from another server (`sigil proxy`);
    /// `reason` names it, made log-safe.
    ContentRead,
}

impl EventKind {
    /// Every kind, in declaration order.
    pub const ALL: [EventKind; 26] = [
        Self::ServerStart,
        Self::ServerStop,
        Self::Session,
        Self::IdentityEstablished,
        Self::IdentityRefused,
        Self::ToolsList,
        Self::CallAllowed,
        Self::CallRefused,
        Self::RateLimited,
        Self::ConfirmRequested,
        Self::ConfirmAccepted,
        Self::ConfirmDeclined,
        Self::ConfirmCancelled,
        Self::ConfirmExpired,
        Self::ScanInterception,
        Self::VaultStore,
        Self::VaultResolve,
        Self::VaultRefusal,
        Self::ToolResult,
        Self::ToolError,
        Self::Checkpoint,
        Self::KeyEpoch,
        Self::SelfAsserted,
        Self::RequestRejected,
        Self::ToolDefinition,
        Self::ContentRead,
    ];

    /// The kind whose wire name is `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The wire name, snake_case.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ServerStart => "server_start",
            Self::ServerStop => "server_stop",
            Self::Session => "session",
            Self::IdentityEstablished => "identity_established",
            Self::IdentityRefused => "identity_refused",
            Self::ToolsList => "tools_list",
            Self::CallAllowed => "call_allowed",
            Self::CallRefused => "call_refused",
            Self::RateLimited => "rate_limited",
            Self::ConfirmRequested => "confirm_requested",
            Self::ConfirmAccepted => "confirm_accepted",
            Self::ConfirmDeclined => "confirm_declined",
            Self::ConfirmCancelled => "confirm_cancelled",
            Self::ConfirmExpired => "confirm_expired",
            Self::ScanInterception => "scan_interception",
            Self::VaultStore => "vault_store",
            Self::VaultResolve => "vault_resolve",
            Self::VaultRefusal => "vault_refusal",
            Self::ToolResult => "tool_result",
            Self::ToolError => "tool_error",
            Self::Checkpoint => "checkpoint",
            Self::KeyEpoch => "key_epoch",
            Self::SelfAsserted => "self_asserted",
            Self::RequestRejected => "request_rejected",
            Self::ToolDefinition => "tool_definition",
            Self::ContentRead => "content_read",
        }
    }
}

/// One auditable event, before it is sealed into a record (the sink adds `seq`, time, epoch,
/// `prev` and `mac`). Holds no secret: rule ids and counts, digests, never values or tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// What happened.
    pub kind: EventKind,
    /// Canonical principal (`Principal`'s `Display`), or `anonymous`.
    pub principal: String,
    /// The tool concerned, if any.
    pub tool: Option<String>,
    /// The decision (`allowed`, `confirmed`, `refused`, ...), if any.
    pub decision: Option<String>,
    /// Why, in words with no secret in them (`trust low < required high`).
    pub reason: Option<String>,
    /// Rule ids with their hit counts.
    pub rules: Vec<(String, u32)>,
    /// Hex SHA-256 of the canonical arguments, if any.
    pub args_digest: Option<String>,
    /// Session id, if any.
    pub session: Option<String>,
}

impl AuditEvent {
    /// An event of `kind` by `principal`, every other field empty.
    pub fn new(kind: EventKind, principal: impl Into<String>) -> Self {
        Self {
            kind,
            principal: principal.into(),
            tool: None,
            decision: None,
            reason: None,
            rules: Vec::new(),
            args_digest: None,
            session: None,
        }
    }
}

/// Names the record an event became; goes into the result envelope as `audit_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuditId(pub u64);

impl fmt::Display for AuditId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The audit seam: the pipeline hands every decision here.
///
/// Implementations must never drop an event silently: an `Err` makes the pipeline fail closed. A
/// sink that is not a file reports its failures as [`AuditError::Unavailable`].
pub trait AuditSink: Send + Sync + 'static {
    /// Seals and appends one event, returning the id of the record written.
    fn append(&self, event: AuditEvent) -> Result<AuditId, AuditError>;

    /// Whether what is appended outlives the process. A server refuses a sink that says `false`
    /// unless it was built with `Dangerous::MemoryAudit`.
    fn durable(&self) -> bool {
        true
    }

    /// Called once when the server stops: make everything appended so far verifiable (for a
    /// signed log, a final checkpoint) and durable. Appends may still follow.
    fn finish(&self) -> Result<(), AuditError> {
        Ok(())
    }

    /// Where the records go, in a few words, for the server's start-up banner.
    fn describe(&self) -> String {
        "a custom audit sink".to_owned()
    }
}
