//! The call pipeline: every security decision in one place.
//!
//! identify -> authorize (trust, scopes, rate) -> validate arguments -> guard inbound (vault
//! pointers, scan) -> confirm -> run -> guard outbound (scan, vault) -> audit -> reply with the
//! envelope. `tools/list` goes through identify + authorize too.

mod call;
mod content_guard;
mod digest;
mod in_flight;
mod list;
mod passthrough;
mod preview_mask;
mod recorder;
mod refusal;
mod registry;
mod scan_vault_guard;
mod self_asserted;
mod step_up_offer;

use std::collections::HashMap;
use std::sync::Arc;

pub use content_guard::{Blocked, ContentGuard, GuardReport, NoGuard, Side};
pub(crate) use in_flight::InFlight;
pub use passthrough::{ContentSource, SourceFuture};
pub(crate) use recorder::{Decision, Who};
pub use refusal::{Refusal, codes};
pub(crate) use registry::{Registered, register};
pub use scan_vault_guard::ScanVaultGuard;
pub use step_up_offer::URL_ELICITATION_REQUIRED;

use crate::audit::AuditSink;
use crate::confirm::ConfirmGate;
use crate::identity::{Caller, IdentitySource};
use crate::policy::{self, RateLimiter};
use crate::tool::ServerIdentity;

/// Everything a running server shares between sessions.
pub(crate) struct Pipeline {
    pub(crate) identity: ServerIdentity,
    pub(crate) instructions: Option<String>,
    /// Decisions about tool definitions made before the server was built, recorded at start.
    pub(crate) definition_notes: Vec<(String, String)>,
    /// Tools not served, each with why: a call gets that reason, not "unknown tool".
    pub(crate) withheld: HashMap<String, String>,
    pub(crate) tools: Vec<Registered>,
    pub(crate) index: HashMap<String, usize>,
    pub(crate) identity_source: Arc<dyn IdentitySource>,
    pub(crate) guard: Arc<dyn ContentGuard>,
    pub(crate) audit: Arc<dyn AuditSink>,
    pub(crate) limiter: RateLimiter,
    pub(crate) confirm: ConfirmGate,
    /// Where rate limits, spent approvals and vault records live, for the banner.
    pub(crate) state: String,
    /// Calls running now (a stopping server lets them finish, within a bound).
    pub(crate) in_flight: InFlight,
    /// The PID step-up offered when a caller's trust is too low (see `pipeline::step_up_offer`).
    pub(crate) pid: Option<Arc<crate::identity::pid::PidStepUp>>,
    /// Prompts and resources passed on from elsewhere (`sigil proxy`), if any.
    pub(crate) content: Option<Arc<dyn ContentSource>>,
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
}
