//! The one recorder of wire refusals, used by the stdio and the HTTP transport.
//!
//! Anyone who can reach a transport can send garbage, so the records are throttled like the
//! bearer gate's (see `server::refusal_throttle`): a burst of 20, then 2 per second, the next
//! record counting those left out.

use std::time::Instant;

use crate::audit::EventKind;
use crate::pipeline::{Decision, Who};
use crate::server::SigilServer;
use crate::server::refusal_throttle::RefusalThrottle;
use crate::server::wire_check::Refused;

/// Which transport refused a message, for the record.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Transport {
    Stdio,
    Http,
}

/// Records wire refusals in the server's audit trail, throttled.
#[derive(Debug)]
pub(crate) struct RefusalRecorder {
    server: SigilServer,
    throttle: RefusalThrottle,
}

impl RefusalRecorder {
    /// A recorder into `server`'s audit trail.
    pub(crate) fn new(server: SigilServer) -> Self {
        Self {
            server,
            throttle: RefusalThrottle::new(20, 2.0, Instant::now()),
        }
    }

    /// Records `refused`, sent by `principal` (`anonymous` when no front door verified one):
    /// its category, code, length and parse position, never its content.
    pub(crate) fn record(&self, principal: &str, refused: &Refused, over: Transport) {
        tracing::info!(
            reason = refused.fault.reason(),
            bytes = refused.len,
            ?over,
            "message refused at the wire"
        );
        let Some(left_out) = self.throttle.admit(Instant::now()) else {
            return;
        };
        let over = match over {
            Transport::Stdio => "stdio",
            Transport::Http => "HTTP",
        };
        let reason = if left_out == 0 {
            format!("{} ({over})", refused.audit_reason())
        } else {
            format!(
                "{} ({over}); {left_out} earlier refusals not recorded (rate limit)",
                refused.audit_reason()
            )
        };
        self.server
            .pipeline
            .record(EventKind::RequestRejected, Who::Canonical(principal))
            .decision(Decision::Refused)
            .reason(reason)
            .append();
    }
}
