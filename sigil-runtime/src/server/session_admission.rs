//! The `/mcp` middleware around session lifecycles: who may open a session, what an unknown
//! session's `DELETE` gets, and which sessions get SSE priming events.
//!
//! - A request without `Mcp-Session-Id` may open a session; it runs inside
//!   [`bounded_sessions::admitting`] with its client (peer address, verified principal). If a cap
//!   is full no session is created and the answer is `503` with `Retry-After` and a JSON-RPC
//!   error (`id` null, code `-32083`, reason `rate_limited`); the refusal is audited as a
//!   `session` event with decision `refused` (up to a burst of 20, then 2 per second; a recorded
//!   refusal says how many were left out, as in `server::refusal_throttle`).
//! - `DELETE` of a session that is not open (unknown, ended, expired) gets `404`, like any other
//!   request on it; rmcp would answer `202`.
//! - Responses of a session that negotiated a version before 2025-11-25 lose their priming
//!   events (see `server::sse_priming`).
//!
//! The peer address comes from axum's `ConnectInfo<SocketAddr>`, which `serve_http` and
//! `serve_https` provide; a router served without it applies the total and per-principal caps
//! only.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::audit::EventKind;
use crate::identity::Caller;
use crate::pipeline::Refusal;
use crate::pipeline::{Decision, Who};
use crate::server::SigilServer;
use crate::server::bounded_sessions;
use crate::server::http_identity::session_binding::SESSION_HEADER;
use crate::server::refusal_throttle::RefusalThrottle;
use crate::server::session_limits::{Client, Refused, SessionTable};
use crate::server::sse_priming;

/// The longest `Retry-After` sent.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The state of [`admit_sessions`].
#[derive(Clone)]
pub(crate) struct AdmissionGate {
    server: SigilServer,
    table: Arc<SessionTable>,
    /// What a refused client is told to wait: the idle timeout (a slot frees at the latest when
    /// a session idles out), at most [`MAX_RETRY_AFTER`].
    retry_after: Duration,
    refusals: Arc<RefusalThrottle>,
}

impl AdmissionGate {
    /// The gate of `server`'s sessions, counted in `table`, idling out after `idle`.
    pub(crate) fn new(server: SigilServer, table: Arc<SessionTable>, idle: Duration) -> Self {
        Self {
            server,
            table,
            retry_after: idle.min(MAX_RETRY_AFTER),
            refusals: Arc::new(RefusalThrottle::new(20, 2.0, Instant::now())),
        }
    }
}

/// Middleware for `/mcp`, inside the front doors that put a verified [`Caller`] into requests.
pub(crate) async fn admit_sessions(
    State(gate): State<AdmissionGate>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(id) = request.headers().get(SESSION_HEADER) {
        let version = id.to_str().ok().and_then(|id| gate.table.version(id));
        let Some(version) = version else {
            if request.method() == Method::DELETE {
                return session_not_found();
            }
            // rmcp answers other requests on an unknown session itself.
            return next.run(request).await;
        };
        let response = next.run(request).await;
        return prime_if_supported(version.as_deref(), response);
    }
    let address = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let caller = request.extensions().get::<Caller>().cloned();
    let client = Client::new(address, caller.as_ref().map(|c| c.principal().to_string()));
    let (response, refused) = bounded_sessions::admitting(client, next.run(request)).await;
    if let Some(refused) = refused {
        audit_refusal(&gate, caller.as_ref(), refused);
        return busy(refused, gate.retry_after);
    }
    let opened = response
        .headers()
        .get(SESSION_HEADER)
        .and_then(|id| id.to_str().ok())
        .and_then(|id| gate.table.version(id));
    match opened {
        Some(version) => prime_if_supported(version.as_deref(), response),
        None => response,
    }
}

fn prime_if_supported(version: Option<&str>, response: Response) -> Response {
    if sse_priming::takes_priming(version) {
        response
    } else {
        sse_priming::strip_priming(response)
    }
}

fn audit_refusal(gate: &AdmissionGate, caller: Option<&Caller>, refused: Refused) {
    tracing::info!(reason = %refused.reason(), "HTTP session refused");
    let Some(left_out) = gate.refusals.admit(Instant::now()) else {
        return;
    };
    let who = caller.map_or(Who::Anonymous, Who::Caller);
    let reason = if left_out == 0 {
        format!("HTTP session refused: {}", refused.reason())
    } else {
        format!(
            "HTTP session refused: {}; {left_out} earlier refusals not recorded (rate limit)",
            refused.reason()
        )
    };
    gate.server
        .pipeline
        .record(EventKind::Session, who)
        .decision(Decision::Refused)
        .reason(reason)
        .append();
}

/// `503` with `Retry-After` and the JSON-RPC error a client reads from the body.
fn busy(refused: Refused, retry_after: Duration) -> Response {
    let error = Refusal::RateLimited(refused.reason()).to_error();
    let body = json!({ "jsonrpc": "2.0", "id": null, "error": error });
    let seconds = retry_after.as_secs().max(1);
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (RETRY_AFTER, HeaderValue::from(seconds)),
        ],
        body.to_string(),
    )
        .into_response()
}

/// rmcp's own answer for a request on an unknown session.
fn session_not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        "Not Found: Session not found",
    )
        .into_response()
}
