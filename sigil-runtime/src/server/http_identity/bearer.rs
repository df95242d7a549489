//! The HTTP front door of an OAuth 2.1 resource server: RFC 9728 metadata, bearer tokens on
//! `/mcp`, and `WWW-Authenticate` challenges.
//!
//! With a [`ResourceServer`] configured ([`crate::server::SigilServerBuilder::oidc`]), every
//! request to `/mcp` must carry a valid `Authorization: Bearer` token:
//!
//! - no token, or a refused one: `401` with `WWW-Authenticate: Bearer resource_metadata="..."`
//!   (plus `error="invalid_token"` when a token was sent);
//! - a valid token: the verified [`Caller`] is put into the request's extensions, where the
//!   pipeline's [`crate::identity::ExtensionsOrDefault`] finds it;
//! - a single JSON-RPC `tools/call` for a tool the token may not call is answered here, before
//!   the MCP layer: `401` with an RFC 9470 step-up (`insufficient_user_authentication`,
//!   `acr_values`) when its trust is too low, `403` `insufficient_scope` listing every scope the
//!   tool needs. The body is the JSON-RPC error the pipeline would have sent (same code), so MCP
//!   clients that read errors from non-2xx bodies see the usual refusal.
//!
//! Tokens are never logged: only the fixed text of the refusal is.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::audit::EventKind;
use crate::identity::oidc::VerifiedToken;
use crate::identity::resource_metadata::BearerChallenge;
use crate::identity::resource_server::ResourceServer;
use crate::identity::{AuthMethod, Caller};
use crate::pipeline::Refusal;
use crate::pipeline::{Decision, Who};
use crate::server::SigilServer;
use crate::server::refusal_throttle::RefusalThrottle;

/// What the middleware needs: the server (tool table, audit, body limit) and the resource.
#[derive(Clone)]
struct Gate {
    server: SigilServer,
    resource: Arc<ResourceServer>,
    /// Refused tokens are audited up to a burst of 20, then 2 per second (see
    /// `server::refusal_throttle`).
    refusals: Arc<RefusalThrottle>,
}

/// Puts `mcp` (the router serving `/mcp`) behind the bearer gate and adds the metadata routes.
pub(crate) fn protect(mcp: Router, server: &SigilServer, resource: Arc<ResourceServer>) -> Router {
    let document = Arc::new(resource.metadata_json());
    let gate = Gate {
        server: server.clone(),
        resource: resource.clone(),
        refusals: Arc::new(RefusalThrottle::new(20, 2.0, Instant::now())),
    };
    let mut router = mcp.route_layer(axum::middleware::from_fn_with_state(gate, authenticate_mcp));
    for path in resource.metadata_paths() {
        let document = document.clone();
        let get_document = get(move || async move {
            let mut response = json_response(StatusCode::OK, &document);
            allow_any_origin(&mut response);
            response
        });
        router = router.route(path, get_document.options(metadata_preflight));
    }
    router
}

/// The metadata is a public document that browser-based clients (the MCP Inspector) fetch
/// cross-origin, so it is readable from any origin; it carries no credential and `/mcp` keeps its
/// own Origin checks.
fn allow_any_origin(response: &mut Response) {
    response
        .headers_mut()
        .insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
}

/// The CORS preflight for the metadata document: `GET` from anywhere, no credentials.
async fn metadata_preflight() -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    allow_any_origin(&mut response);
    let headers = response.headers_mut();
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, OPTIONS"),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("mcp-protocol-version"),
    );
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    response
}

async fn authenticate_mcp(State(gate): State<Gate>, request: Request, next: Next) -> Response {
    let authorization = request
        .headers()
        .get(AUTHORIZATION)
        // A header that is not visible ASCII is a malformed credential, not a missing one.
        .map(|v| v.to_str().unwrap_or("not-visible-ascii"));
    let token = match gate.resource.authenticate(authorization).await {
        Ok(token) => token,
        Err(challenge) => {
            if challenge.error().is_some()
                && let Some(left_out) = gate.refusals.admit(Instant::now())
            {
                tracing::info!(challenge = %challenge, "bearer token refused");
                let reason = if left_out == 0 {
                    format!("bearer token refused ({challenge})")
                } else {
                    format!(
                        "bearer token refused ({challenge}); {left_out} earlier refusals not recorded (rate limit)"
                    )
                };
                gate.server
                    .pipeline
                    .record(EventKind::IdentityRefused, Who::Anonymous)
                    .decision(Decision::Refused)
                    .reason(reason)
                    .append();
            }
            return challenge_response(&challenge, None);
        }
    };
    let caller = Caller::new(
        token.principal.clone(),
        token.trust,
        token.scopes.clone(),
        AuthMethod::OidcBearer,
    );
    let (mut parts, body) = request.into_parts();
    parts.extensions.insert(caller.clone());
    if parts.method != Method::POST {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let limit = gate.server.http.max_body_bytes;
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    if let Some(refused) = refuse_tool_call(&gate, &token, &caller, &bytes) {
        return refused;
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The HTTP answer to a single `tools/call` the token may not make, if it is one.
fn refuse_tool_call(
    gate: &Gate,
    token: &VerifiedToken,
    caller: &Caller,
    body: &Bytes,
) -> Option<Response> {
    let message: Value = serde_json::from_slice(body).ok()?;
    if message.get("method")?.as_str()? != "tools/call" {
        return None;
    }
    let id = message.get("id")?.clone();
    let tool = message.get("params")?.get("name")?.as_str()?;
    let (trust, scopes) = gate.server.required_for(tool)?;
    // With a PID step-up, too low trust is the pipeline's to answer: it offers the step-up, and
    // a session already upgraded passes.
    if gate.server.pipeline.pid.is_some() && token.has_scopes(&scopes) {
        return None;
    }
    let scope_refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let challenge = gate.resource.authorize(token, &scope_refs, trust).err()?;
    let refusal = if token.trust < trust {
        Refusal::TrustTooLow {
            required: trust,
            presented: token.trust,
        }
    } else {
        Refusal::InsufficientScope(scopes)
    };
    gate.server.audit_http_refusal(caller, tool, &refusal);
    let error = json!({ "jsonrpc": "2.0", "id": id, "error": refusal.to_error() });
    Some(challenge_response(&challenge, Some(error)))
}

/// `challenge.status()` with `WWW-Authenticate: {challenge}` and an optional JSON body.
fn challenge_response(challenge: &BearerChallenge, body: Option<Value>) -> Response {
    let status = StatusCode::from_u16(challenge.status()).unwrap_or(StatusCode::UNAUTHORIZED);
    let mut response = match body {
        Some(body) => json_response(status, &body),
        None => status.into_response(),
    };
    match HeaderValue::from_str(&challenge.to_string()) {
        Ok(value) => {
            response.headers_mut().insert(WWW_AUTHENTICATE, value);
        }
        Err(_) => {
            // A challenge is built from fixed texts and configured URLs; should one ever hold a
            // byte a header cannot, still say "Bearer" so the client knows what to do.
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
    }
    response
}

/// `status` with `value` as an `application/json` body.
fn json_response(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        value.to_string(),
    )
        .into_response()
}
