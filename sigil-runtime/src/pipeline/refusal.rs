//! Why the pipeline refused a call, and how that reaches the client.
//!
//! Our JSON-RPC error codes sit in -32000..-32019 (the spec reserves -32020..-32099); schema
//! violations and unknown tools use the standard -32602 (invalid params). Messages say what to
//! do and never carry a secret.

use rmcp::ErrorData;
use rmcp::model::ErrorCode;
use serde_json::json;

use crate::confirm::ConfirmRefusal;
use crate::identity::TrustLevel;

/// A refusal, before any tool ran.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Refusal {
    /// No such tool, or it is disabled, or the caller may not see it.
    UnknownTool(String),
    /// No identity could be established where one is required.
    Unauthenticated(String),
    /// The caller's trust is below what the tool requires.
    TrustTooLow {
        /// What the tool requires.
        required: TrustLevel,
        /// What the caller has.
        presented: TrustLevel,
    },
    /// The caller lacks scopes; lists every scope the tool needs.
    InsufficientScope(Vec<String>),
    /// Too many calls.
    RateLimited(String),
    /// The arguments break the advertised schema.
    InvalidArguments(Vec<String>),
    /// Arguments the tool does not declare (their names, escaped).
    UnknownArguments(Vec<String>),
    /// An argument holds a vault pointer that does not resolve for this caller, tool and time
    /// (unknown id, another owner, a kind the tool may not see, expired, or malformed).
    PointerUnresolved(String),
    /// The confirmation would be longer than a client can show; it is never shortened.
    PreviewTooLong {
        /// Its length in characters.
        chars: usize,
        /// The limit.
        limit: usize,
    },
    /// The confirmation did not approve.
    Confirmation(ConfirmRefusal),
    /// The content guard refused (a `block` action, or a vault error).
    Blocked(String),
    /// The audit trail could not record the decision: fail closed.
    AuditUnavailable,
}

/// Our error codes.
pub mod codes {
    /// Identity missing or refused.
    pub const UNAUTHENTICATED: i32 = -32001;
    /// Trust level too low for the tool (step up).
    pub const TRUST_TOO_LOW: i32 = -32002;
    /// Missing scopes.
    pub const INSUFFICIENT_SCOPE: i32 = -32003;
    /// Rate limited.
    pub const RATE_LIMITED: i32 = -32004;
    /// Confirmation declined or cancelled.
    pub const CONFIRMATION_DECLINED: i32 = -32005;
    /// The client cannot confirm.
    pub const CONFIRMATION_UNAVAILABLE: i32 = -32006;
    /// Confirmation expired, replayed or not matching this call.
    pub const CONFIRMATION_INVALID: i32 = -32007;
    /// Blocked by the content guard.
    pub const BLOCKED: i32 = -32008;
    /// Audit trail unavailable.
    pub const AUDIT_UNAVAILABLE: i32 = -32009;
}

impl Refusal {
    /// Short machine-readable reason, for audit and `error.data.reason`.
    pub fn code_name(&self) -> &'static str {
        match self {
            Self::UnknownTool(_) => "unknown_tool",
            Self::Unauthenticated(_) => "unauthenticated",
            Self::TrustTooLow { .. } => "trust_too_low",
            Self::InsufficientScope(_) => "insufficient_scope",
            Self::RateLimited(_) => "rate_limited",
            Self::InvalidArguments(_) => "invalid_arguments",
            Self::UnknownArguments(_) => "unknown_arguments",
            Self::PointerUnresolved(_) => "pointer_unresolved",
            Self::PreviewTooLong { .. } => "confirmation_too_long",
            Self::Confirmation(ConfirmRefusal::Declined) => "confirmation_declined",
            Self::Confirmation(ConfirmRefusal::Cancelled) => "confirmation_cancelled",
            Self::Confirmation(ConfirmRefusal::Expired) => "confirmation_expired",
            Self::Confirmation(ConfirmRefusal::Replayed) => "confirmation_replayed",
            Self::Confirmation(ConfirmRefusal::Mismatch) => "confirmation_mismatch",
            Self::Confirmation(ConfirmRefusal::Unavailable) => "confirmation_unavailable",
            Self::Blocked(_) => "blocked",
            Self::AuditUnavailable => "audit_unavailable",
        }
    }

    /// A sentence for the caller and the audit trail.
    pub fn message(&self) -> String {
        match self {
            Self::UnknownTool(t) => format!("unknown tool `{t}`"),
            Self::Unauthenticated(r) => format!("not authenticated: {r}"),
            Self::TrustTooLow {
                required,
                presented,
            } => {
                format!(
                    "this tool requires trust level `{required}`; the caller has `{presented}`: authenticate at a higher level"
                )
            }
            Self::InsufficientScope(s) => {
                format!("missing scopes; this tool needs: {}", s.join(" "))
            }
            Self::RateLimited(r) => format!("rate limit exceeded ({r}); try again later"),
            Self::InvalidArguments(v) => format!(
                "arguments do not match the tool's input schema: {}",
                v.join("; ")
            ),
            Self::UnknownArguments(names) => format!(
                "the tool does not take {}: {}; nothing was run",
                if names.len() == 1 {
                    "this argument"
                } else {
                    "these arguments"
                },
                names.join(", ")
            ),
            Self::PointerUnresolved(arg) => format!(
                "argument `{arg}` holds a vault pointer that does not resolve for this caller and tool (unknown, another owner's, a kind this tool may not receive, or expired); nothing was run"
            ),
            Self::PreviewTooLong { chars, limit } => format!(
                "not executed: the confirmation would be {chars} characters, more than the {limit} a client is sent; shorten the arguments"
            ),
            Self::Confirmation(c) => format!("not executed: {}", c.reason()),
            Self::Blocked(r) => format!("blocked: {r}"),
            Self::AuditUnavailable => "refused: the audit trail cannot record this call".to_owned(),
        }
    }

    /// Whether the refusal is about the arguments' shape, which SEP-1303 returns as a tool
    /// result with `isError: true` (so a model can correct itself) rather than a JSON-RPC error.
    pub fn is_argument_error(&self) -> bool {
        matches!(self, Self::InvalidArguments(_) | Self::UnknownArguments(_))
    }

    /// The JSON-RPC error the client receives.
    pub fn to_error(&self) -> ErrorData {
        let code = match self {
            Self::UnknownTool(_) | Self::InvalidArguments(_) | Self::UnknownArguments(_) => {
                ErrorCode::INVALID_PARAMS.0
            }
            Self::PointerUnresolved(_) => codes::BLOCKED,
            Self::PreviewTooLong { .. } => codes::CONFIRMATION_UNAVAILABLE,
            Self::Unauthenticated(_) => codes::UNAUTHENTICATED,
            Self::TrustTooLow { .. } => codes::TRUST_TOO_LOW,
            Self::InsufficientScope(_) => codes::INSUFFICIENT_SCOPE,
            Self::RateLimited(_) => codes::RATE_LIMITED,
            Self::Confirmation(ConfirmRefusal::Declined | ConfirmRefusal::Cancelled) => {
                codes::CONFIRMATION_DECLINED
            }
            Self::Confirmation(ConfirmRefusal::Unavailable) => codes::CONFIRMATION_UNAVAILABLE,
            Self::Confirmation(_) => codes::CONFIRMATION_INVALID,
            Self::Blocked(_) => codes::BLOCKED,
            Self::AuditUnavailable => codes::AUDIT_UNAVAILABLE,
        };
        let mut data = json!({ "reason": self.code_name() });
        match self {
            Self::TrustTooLow {
                required,
                presented,
            } => {
                data["required_trust"] = json!(required.as_str());
                data["trust_level"] = json!(presented.as_str());
            }
            Self::InsufficientScope(s) => data["required_scopes"] = json!(s),
            _ => {}
        }
        ErrorData::new(ErrorCode(code), self.message(), Some(data))
    }
}
