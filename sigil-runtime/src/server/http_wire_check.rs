//! The wire check in front of `/mcp` over Streamable HTTP.
//!
//! rmcp answers a body it cannot read as a message with `415 Unsupported Media Type` and plain
//! text (`expect_json` in its `server_side_http.rs`), and turns a known method with ill-typed
//! params into "method not found". This middleware buffers each JSON `POST` body (within the
//! configured body limit) and runs `server::wire_check` on it first: a refused body is answered
//! with `400 Bad Request` and a JSON-RPC error (`application/json`), audited as
//! `request_rejected`, and never reaches rmcp. An `initialize` sent with an `Mcp-Session-Id` is
//! refused the same way: `initialize` opens a session, it cannot run on one.
//!
//! Other requests (`GET`, `DELETE`, a `POST` that is not `application/json`) pass untouched, so
//! rmcp still answers them as the transport specification says.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::identity::Caller;
use crate::server::SigilServer;
use crate::server::wire_check::{self, Passed, RefusalRecorder, Refused, Transport};

/// The session id header of Streamable HTTP.
const SESSION_HEADER: &str = "mcp-session-id";

#[derive(Clone)]
struct Gate {
    max_body_bytes: usize,
    recorder: Arc<RefusalRecorder>,
}

/// Puts the wire check in front of every route of `mcp` (the router serving `/mcp`).
pub(crate) fn check_messages(mcp: Router, server: &SigilServer) -> Router {
    let gate = Gate {
        max_body_bytes: server.http.max_body_bytes,
        recorder: Arc::new(RefusalRecorder::new(server.clone())),
    };
    mcp.route_layer(axum::middleware::from_fn_with_state(gate, check_post))
}

async fn check_post(State(gate): State<Gate>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST || !is_json(request.headers()) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, gate.max_body_bytes).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    let on_session = parts.headers.contains_key(SESSION_HEADER);
    let refused = match wire_check::check(&bytes) {
        Ok(Passed::Request {
            initialize: true,
            id,
        }) if on_session => Refused::already_initialized(id, bytes.len()),
        Ok(_) => {
            return next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
        }
        Err(refused) => refused,
    };
    let principal = parts
        .extensions
        .get::<Caller>()
        .map_or_else(|| "anonymous".to_owned(), |c| c.principal().to_string());
    gate.recorder.record(&principal, &refused, Transport::Http);
    // A refused notification gets the error too: the transport says a server that cannot accept
    // one answers with an HTTP error and MAY add a JSON-RPC error without an id.
    (
        StatusCode::BAD_REQUEST,
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        refused.response(),
    )
        .into_response()
}

/// Whether the body is declared JSON, as rmcp decides it (other types get its `415`).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let essence = v.split_once(';').map_or(v, |(essence, _)| essence);
            essence.trim().eq_ignore_ascii_case("application/json")
        })
}
