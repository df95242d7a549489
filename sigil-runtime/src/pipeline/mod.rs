//! The call pipeline: every security decision in one place.
//!
//! identify -> authorize (trust, scopes, rate) -> validate arguments -> guard inbound (vault
//! pointers, scan) -> confirm -> run -> guard outbound (scan, vault) -> audit -> reply with the
//! envelope. `tools/list` goes through identify + authorize too.

mod call;
mod content_guard;
mod digest;
mod list;
mod preview_mask;
mod refusal;
mod registry;
mod scan_vault_guard;
mod self_asserted;
mod step_up_offer;

use std::collections::HashMap;
use std::sync::Arc;

pub use content_guard::{ContentGuard, GuardReport, NoGuard};
pub use refusal::{Refusal, codes};
pub(crate) use registry::{Registered, register};
pub use scan_vault_guard::ScanVaultGuard;
pub use step_up_offer::URL_ELICITATION_REQUIRED;

use crate::audit::{AuditEvent, AuditId, AuditSink, EventKind};
use crate::confirm::ConfirmGate;
use crate::identity::{Caller, IdentitySource};
use crate::policy::{self, RateLimiter};
use crate::tool::ServerIdentity;

/// Everything a running server shares between sessions.
pub(crate) struct Pipeline {
    pub(crate) identity: ServerIdentity,
    pub(crate) instructions: Option<String>,
    pub(crate) tools: Vec<Registered>,
    pub(crate) index: HashMap<String, usize>,
    pub(crate) identity_source: Arc<dyn IdentitySource>,
    pub(crate) guard: Arc<dyn ContentGuard>,
    pub(crate) audit: Arc<dyn AuditSink>,
    pub(crate) limiter: RateLimiter,
    pub(crate) confirm: ConfirmGate,
    /// The PID step-up offered when a caller's trust is too low (see `pipeline::step_up_offer`).
    pub(crate) pid: Option<Arc<crate::identity::pid::PidStepUp>>,
}

impl Pipeline {
    pub(crate) fn tool(&self, name: &str) -> Option<&Registered> {
        self.index.get(name).map(|&i| &self.tools[i])
    }

    /// Whether `caller` may call `tool` as far as trust and scopes go (rate limits aside).
    pub(crate) fn authorize(&self, caller: &Caller, tool: &Registered) -> Result<(), Refusal> {
        policy::authorize(
            tool.spec.required_trust(),
            tool.spec.required_scopes(),
            caller.trust(),
            |scope| caller.has_scope(scope),
        )
        .map_err(Refusal::from)
    }

    /// Client-controlled text (a tool name, an argument name, a claimed identity) as it may be
    /// written to the audit log, stderr or tracing: scanned, sensitive values replaced by their
    /// kind, and escaped to one visible line.
    pub(crate) fn client_text(&self, text: &str) -> String {
        self.guard.log_safe(text)
    }

    /// A tool name as the audit log records it: a registered tool's own name; for any other
    /// name (the client's text, and not needed in clear) `unknown:sha256:<first 16 hex digits>`.
    pub(crate) fn tool_for_log(&self, name: &str) -> String {
        if self.tool(name).is_some() {
            return name.to_owned();
        }
        let full = digest::args_digest(&serde_json::Value::String(name.to_owned()));
        format!("unknown:sha256:{}", &full[..16])
    }

    /// Appends an audit event.
    pub(crate) fn audit(&self, event: AuditEvent) -> Option<AuditId> {
        match self.audit.append(event) {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::error!(error = %e, "audit append failed");
                None
            }
        }
    }

    pub(crate) fn event(&self, kind: EventKind, caller: &Caller, tool: Option<&str>) -> AuditEvent {
        let mut e = AuditEvent::new(kind, caller.principal().to_string());
        e.tool = tool.map(str::to_owned);
        e
    }
}
