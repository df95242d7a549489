//! Why the pipeline refused a call, and how that reaches the client.
//!
//! Our JSON-RPC error codes are one block, -32080..-32089, inside JSON-RPC's range for server
//! errors (-32000..-32099), away from the codes MCP and its SDKs already give a meaning: -32000
//! (the TypeScript SDK's connection closed), -32001 (its request timeout), -32002 (MCP's resource
//! not found) and -32042 (MCP's URL elicitation required, which the step-up sends as MCP means it).
//! Schema violations and unknown tools use the standard -32602 (invalid params). Messages say what
//! to do and never carry a secret.

use rmcp::ErrorData;
use rmcp::model::ErrorCode;
use serde_json::json;

use crate::basics::TrustLevel;
use crate::confirm::ConfirmRefusal;
use crate::pipeline::Blocked;
use crate::policy::Denied;

/// A refusal, before any tool ran.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Refusal {
    /// No such tool, or it is disabled, or the caller may not see it.
    UnknownTool(String),
    /// A tool the server knows but does not serve now, and says why (`sigil proxy`: its
    /// definition changed since it was pinned).
    Withheld {
        /// The tool, escaped.
        tool: String,
        /// Why, and what to do about it.
        why: String,
    },
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
    Blocked(Blocked),
    /// The audit trail could not record the decision: fail closed.
    AuditUnavailable,
    /// The state shared by the server's replicas (rate limits, spent approvals) could not be
    /// reached: fail closed, never decide from one replica's memory.
    StateUnavailable,
}

/// Our error codes: the block -32080..-32089, in this order. See the module
/// documentation for the codes it keeps clear of.
pub mod codes {
    /// Identity missing or refused.
    pub const UNAUTHENTICATED: i32 = -32080;
    /// Trust level too low for the tool (step up).
    pub const TRUST_TOO_LOW: i32 = -32081;
    /// Missing scopes.
    pub const INSUFFICIENT_SCOPE: i32 = -32082;
    /// Rate limited.
    pub const RATE_LIMITED: i32 = -32083;
    /// Confirmation declined or cancelled.
    pub const CONFIRMATION_DECLINED: i32 = -32084;
    /// The client cannot confirm.
    pub const CONFIRMATION_UNAVAILABLE: i32 = -32085;
    /// Confirmation expired, replayed or not matching this call.
    pub const CONFIRMATION_INVALID: i32 = -32086;
    /// Blocked by the content guard.
    pub const BLOCKED: i32 = -32087;
    /// Audit trail unavailable.
    pub const AUDIT_UNAVAILABLE: i32 = -32088;
    /// The shared state (Redis, for several replicas) unavailable.
    pub const STATE_UNAVAILABLE: i32 = -32089;

    #[cfg(test)]
    mod tests {
        use super::*;

        const OURS: [i32; 10] = [
            UNAUTHENTICATED,
            TRUST_TOO_LOW,
            INSUFFICIENT_SCOPE,
            RATE_LIMITED,
            CONFIRMATION_DECLINED,
            CONFIRMATION_UNAVAILABLE,
            CONFIRMATION_INVALID,
            BLOCKED,
            AUDIT_UNAVAILABLE,
            STATE_UNAVAILABLE,
        ];

        #[test]
        fn no_code_means_something_else_to_clients() {
            // JSON-RPC's own, the TypeScript SDK's connection closed and request timeout, MCP's
            // resource not found and URL elicitation required.
            let reserved = [
                -32700, -32600, -32601, -32602, -32603, -32000, -32001, -32002, -32042,
            ];
            for code in OURS {
                assert!(!reserved.contains(&code), "{code} already has a meaning");
                assert!(
                    (-32089..=-32080).contains(&code),
                    "{code} outside our block"
                );
            }
            assert_eq!(
                crate::pipeline::step_up_offer::URL_ELICITATION_REQUIRED,
                -32042,
                "MCP's own code stays as MCP defines it"
            );
        }

        #[test]
        fn codes_are_distinct_and_keep_their_order() {
            for (i, pair) in OURS.windows(2).enumerate() {
                assert_eq!(pair[1], pair[0] - 1, "code {} breaks the block", i + 1);
            }
        }
    }
}

impl From<Denied> for Refusal {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::TrustTooLow {
                required,
                presented,
            } => Self::TrustTooLow {
                required,
                presented,
            },
            Denied::InsufficientScope(scopes) => Self::InsufficientScope(scopes),
        }
    }
}

impl Refusal {
    /// Short machine-readable reason, for audit and `error.data.reason`.
    pub fn code_name(&self) -> &'static str {
        match self {
            Self::UnknownTool(_) => "unknown_tool",
            Self::Withheld { .. } => "tool_withheld",
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
            Self::StateUnavailable => "state_unavailable",
        }
    }

    /// A sentence for the caller and the audit trail.
    pub fn message(&self) -> String {
        match self {
            Self::UnknownTool(t) => format!("unknown tool `{t}`"),
            Self::Withheld { tool, why } => format!("tool `{tool}` is withheld: {why}"),
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
            Self::StateUnavailable => "refused: the server's shared state is unavailable; nothing was run, try again later".to_owned(),
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
            Self::UnknownTool(_)
            | Self::Withheld { .. }
            | Self::InvalidArguments(_)
            | Self::UnknownArguments(_) => ErrorCode::INVALID_PARAMS.0,
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
            Self::StateUnavailable => codes::STATE_UNAVAILABLE,
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
