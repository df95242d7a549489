//! Streamable HTTP sessions bound to the principal that opened them.
//!
//! A session id (`Mcp-Session-Id`) is a bearer capability of its own: whoever holds it reaches
//! the session's state (a pending confirmation, a stepped-up identity). With a front door that
//! verifies callers (a bearer token, a client certificate), the session is bound to the
//! principal that sent `initialize`, and every later request on it must come from the same
//! principal, or it is refused with `404` (as for an unknown session: the client starts a new one)
//! and the refusal is audited. A session id the binder never saw is refused the same way: fail
//! closed.
//!
//! Bindings are forgotten when the session ends (the client's `DELETE`, the idle timeout: see
//! `server::bounded_sessions`), when the server answers `404` for it, and after the session's
//! idle time (the same as the session manager's keep-alive), and
//! at most [`MAX_BINDINGS`] are kept (the least recently used goes first; its session then
//! fails closed).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::audit::EventKind;
use crate::identity::Caller;
use crate::pipeline::{Decision, Who};
use crate::server::SigilServer;

/// The session id header of Streamable HTTP.
pub(crate) const SESSION_HEADER: &str = "mcp-session-id";

/// The most bindings kept at once.
pub(crate) const MAX_BINDINGS: usize = 50_000;

/// Session id → the principal that opened it.
#[derive(Debug)]
pub(crate) struct SessionBinder {
    idle: Duration,
    bindings: Mutex<HashMap<String, Binding>>,
}

#[derive(Debug)]
struct Binding {
    principal: String,
    last_used: Instant,
}

/// What the binder says about a request on an existing session.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Same principal as the one that opened it.
    Same,
    /// Opened by another principal.
    Other,
    /// Never bound here, or forgotten.
    Unknown,
}

impl SessionBinder {
    /// Bindings idle for longer than `idle` are forgotten.
    pub(crate) fn new(idle: Duration) -> Self {
        Self {
            idle,
            bindings: Mutex::new(HashMap::new()),
        }
    }

    /// Binds `session` to `principal` (a new session just opened).
    pub(crate) fn bind(&self, session: &str, principal: &str, now: Instant) {
        let mut bindings = self.lock();
        bindings.retain(|_, b| now.duration_since(b.last_used) <= self.idle);
        if bindings.len() >= MAX_BINDINGS
            && let Some(oldest) = bindings
                .iter()
                .min_by_key(|(_, b)| b.last_used)
                .map(|(k, _)| k.clone())
        {
            bindings.remove(&oldest);
        }
        bindings.insert(
            session.to_owned(),
            Binding {
                principal: principal.to_owned(),
                last_used: now,
            },
        );
    }

    /// Whether `principal` may use `session`; a match refreshes the binding's idle time.
    pub(crate) fn check(&self, session: &str, principal: &str, now: Instant) -> Verdict {
        let mut bindings = self.lock();
        let Some(binding) = bindings.get_mut(session) else {
            return Verdict::Unknown;
        };
        if now.duration_since(binding.last_used) > self.idle {
            bindings.remove(session);
            return Verdict::Unknown;
        }
        if binding.principal != principal {
            return Verdict::Other;
        }
        binding.last_used = now;
        Verdict::Same
    }

    /// Forgets `session`.
    pub(crate) fn forget(&self, session: &str) {
        self.lock().remove(session);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Binding>> {
        // A panic while holding this lock cannot leave a half-made binding: every update is one
        // map operation. Recover the map rather than failing every later request.
        self.bindings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The state of [`bind_sessions`].
#[derive(Clone)]
pub(crate) struct SessionGate {
    pub(crate) server: SigilServer,
    pub(crate) binder: Arc<SessionBinder>,
}

/// Middleware for `/mcp`, inside the front doors that put a verified [`Caller`] into the request:
/// binds new sessions to their caller's principal and refuses requests on a session from anyone
/// else. Requests without a verified caller pass untouched (there is nobody to bind to).
pub(crate) async fn bind_sessions(
    State(gate): State<SessionGate>,
    request: Request,
    next: Next,
) -> Response {
    let Some(caller) = request.extensions().get::<Caller>().cloned() else {
        return next.run(request).await;
    };
    let principal = caller.principal().to_string();
    let session = request
        .headers()
        .get(SESSION_HEADER)
        .map(|v| v.to_str().unwrap_or("").to_owned());
    let deleting = request.method() == Method::DELETE;
    let now = Instant::now();
    match &session {
        None => {
            let response = next.run(request).await;
            if response.status().is_success()
                && let Some(opened) = response.headers().get(SESSION_HEADER)
                && let Ok(opened) = opened.to_str()
            {
                gate.binder.bind(opened, &principal, now);
            }
            response
        }
        Some(id) => match gate.binder.check(id, &principal, now) {
            Verdict::Same => {
                let response = next.run(request).await;
                if deleting || response.status() == StatusCode::NOT_FOUND {
                    gate.binder.forget(id);
                }
                response
            }
            verdict => {
                let reason = if verdict == Verdict::Other {
                    "session belongs to another principal"
                } else {
                    "session unknown or expired"
                };
                gate.server
                    .pipeline
                    .record(EventKind::IdentityRefused, Who::Caller(&caller))
                    .decision(Decision::Refused)
                    .reason(format_args!("HTTP session refused: {reason}"))
                    .append();
                tracing::info!(reason, "HTTP session refused");
                session_not_found()
            }
        },
    }
}

fn session_not_found() -> Response {
    let mut response = (
        StatusCode::NOT_FOUND,
        "session not found: start a new session with initialize",
    )
        .into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_serves_only_the_principal_that_opened_it() {
        let binder = SessionBinder::new(Duration::from_secs(300));
        let t0 = Instant::now();
        binder.bind("s1", "oidc:https://idp#alice", t0);
        assert_eq!(
            binder.check("s1", "oidc:https://idp#alice", t0),
            Verdict::Same
        );
        assert_eq!(
            binder.check("s1", "oidc:https://idp#mallory", t0),
            Verdict::Other
        );
        assert_eq!(
            binder.check("s2", "oidc:https://idp#alice", t0),
            Verdict::Unknown
        );
    }

    #[test]
    fn idle_and_deleted_bindings_are_forgotten_and_then_fail_closed() {
        let binder = SessionBinder::new(Duration::from_secs(10));
        let t0 = Instant::now();
        binder.bind("s1", "p", t0);
        binder.bind("s2", "p", t0);
        // Use refreshes: s1 used at t0+8 is still alive at t0+15.
        assert_eq!(
            binder.check("s1", "p", t0 + Duration::from_secs(8)),
            Verdict::Same
        );
        assert_eq!(
            binder.check("s1", "p", t0 + Duration::from_secs(15)),
            Verdict::Same
        );
        assert_eq!(
            binder.check("s2", "p", t0 + Duration::from_secs(15)),
            Verdict::Unknown
        );
        binder.forget("s1");
        assert_eq!(
            binder.check("s1", "p", t0 + Duration::from_secs(16)),
            Verdict::Unknown
        );
    }

    #[test]
    fn the_table_is_bounded_and_drops_the_least_recently_used() {
        let binder = SessionBinder::new(Duration::from_secs(3600));
        let t0 = Instant::now();
        for i in 0..MAX_BINDINGS {
            binder.bind(&format!("s{i}"), "p", t0 + Duration::from_millis(i as u64));
        }
        binder.check("s0", "p", t0 + Duration::from_secs(100));
        binder.bind("new", "p", t0 + Duration::from_secs(101));
        assert_eq!(binder.lock().len(), MAX_BINDINGS);
        assert_eq!(
            binder.check("s0", "p", t0 + Duration::from_secs(102)),
            Verdict::Same
        );
        assert_eq!(
            binder.check("s1", "p", t0 + Duration::from_secs(102)),
            Verdict::Unknown
        );
        assert_eq!(
            binder.check("new", "p", t0 + Duration::from_secs(102)),
            Verdict::Same
        );
    }
}
