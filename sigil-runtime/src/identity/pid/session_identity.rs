//! The identity seam with PID step-ups: a session upgraded by a verified presentation is the PID
//! caller from then on.

use std::sync::Arc;

use rmcp::RoleServer;
use rmcp::service::RequestContext;

use crate::identity::{Caller, IdentityRefused, IdentitySource};

use super::step_up::PidStepUp;

/// The MCP session of a Streamable HTTP request (`Mcp-Session-Id`), if it has one.
pub(crate) fn session_id(ctx: &RequestContext<RoleServer>) -> Option<String> {
    let parts = ctx.extensions.get::<axum::http::request::Parts>()?;
    let id = parts.headers.get("mcp-session-id")?.to_str().ok()?;
    (!id.is_empty()).then(|| id.to_owned())
}

/// Asks `inner` who is calling, then replaces that caller by the PID caller its session was
/// upgraded to, if any.
pub(crate) struct StepUpIdentity {
    pub(crate) inner: Arc<dyn IdentitySource>,
    pub(crate) step_up: Arc<PidStepUp>,
}

impl IdentitySource for StepUpIdentity {
    fn identify(&self, ctx: &RequestContext<RoleServer>) -> Result<Caller, IdentityRefused> {
        let caller = self.inner.identify(ctx)?;
        Ok(self
            .step_up
            .upgraded(session_id(ctx).as_deref(), &caller)
            .unwrap_or(caller))
    }

    fn unverified_caller(&self) -> Option<Caller> {
        self.inner.unverified_caller()
    }
}
