//! The step-up hook: a call refused for too low trust may instead be answered with a PID
//! presentation to make (MCP URL-mode elicitation, the `-32042` URL-elicitation-required error).
//!
//! The error carries `data.elicitations`: one `{mode: "url", elicitationId, url, message}`, as
//! MCP 2025-11-25 specifies. The client shows the URL; the human presents their PID from the
//! wallet; the server's `direct_post` endpoint upgrades the session; the client retries the call,
//! which the upgraded session now passes. A session is also sent
//! `notifications/elicitation/complete` (`{elicitationId}`) when the wallet has answered, so a
//! client may retry without waiting for the human. The refusal is audited like any other.

use rmcp::model::ErrorCode;
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer};
use serde_json::json;

use crate::audit::EventKind;
use crate::identity::pid::{RequestBinding, session_id};
use crate::identity::{AuthMethod, Caller};
use crate::pipeline::{Decision, Pipeline, Refusal, Who};

/// MCP 2025-11-25: URL elicitation required.
pub const URL_ELICITATION_REQUIRED: i32 = -32042;

impl Pipeline {
    /// With a PID step-up configured and `refusal` a too-low trust, starts a presentation bound
    /// to this session and caller and returns the `-32042` error to send instead.
    pub(crate) fn offer_pid_step_up(
        &self,
        caller: &Caller,
        tool: &str,
        digest: &str,
        refusal: &Refusal,
        ctx: &RequestContext<RoleServer>,
    ) -> Option<ErrorData> {
        let step_up = self.pid.as_ref()?;
        let Refusal::TrustTooLow {
            required,
            presented,
        } = refusal
        else {
            return None;
        };
        let session = session_id(ctx);
        // Without a session, the upgrade would hold for every caller with this principal: only
        // a principal a credential established (not a configured default) may be upgraded so.
        let verified = matches!(
            caller.method(),
            AuthMethod::OidcBearer | AuthMethod::OidcLogin | AuthMethod::EidasQc
        );
        if session.is_none() && !verified {
            return None;
        }
        let binding = RequestBinding {
            session,
            principal: caller.principal().to_string(),
        };
        let has_session = binding.session.is_some();
        let started = match step_up.start(binding) {
            Ok(started) => started,
            Err(e) => {
                tracing::info!(error = %e, "no PID step-up offered");
                return None;
            }
        };
        if has_session {
            // A session has a channel for `notifications/elicitation/complete`.
            step_up.watch(&started.state, ctx.peer.clone());
        }
        let message = format!(
            "`{tool}` requires trust level `{required}`; the caller has `{presented}`. \
             Open the link and present your EU Digital Identity Wallet PID, then retry."
        );
        self.record(EventKind::CallRefused, Who::Caller(caller))
            .tool(tool)
            .decision(Decision::Refused)
            .reason(format_args!(
                "{}: {}; PID step-up started",
                refusal.code_name(),
                refusal.message()
            ))
            .digest(digest)
            .append();
        let data = json!({
            "elicitations": [{
                "mode": "url",
                "elicitationId": started.state,
                "url": started.url,
                "message": message,
            }],
            "reason": refusal.code_name(),
            "required_trust": required.as_str(),
            "trust_level": presented.as_str(),
        });
        Some(ErrorData::new(
            ErrorCode(URL_ELICITATION_REQUIRED),
            message,
            Some(data),
        ))
    }
}
