//! The OpenID4VP verifier endpoints of the PID step-up, on the HTTP server:
//!
//! - `GET /pid/start/{state}`: the page the human opens (the URL-mode elicitation URL): an
//!   `openid4vp://` link for a wallet on the same device and the `request_uri` for a QR code;
//! - `GET /pid/request/{state}`: the request object (JSON, unsigned, `client_id` prefix
//!   `redirect_uri:`, `response_mode` `direct_post`, a DCQL query for one PID);
//! - `POST /pid/response`: the `direct_post` response endpoint (`application/x-www-form-urlencoded`
//!   with `vp_token` and `state`, or `error` and `state`).
//!
//! Every answer to the wallet is JSON; bad input gets `400` with `{"error", "error_description"}`.
//! Each presentation accepted or refused is audited with the principal only; presentations and
//! claim values are never logged.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rmcp::RoleServer;
use rmcp::model::{CustomNotification, ServerNotification};
use rmcp::service::Peer;
use serde_json::{Value, json};

use crate::audit::EventKind;
use crate::identity::pid::{
    PidStepUp, PresentationRefused, REQUEST_PATH, RESPONSE_PATH, START_PATH,
};
use crate::pipeline::{Decision, Who};
use crate::server::SigilServer;

/// Most form fields accepted in a `direct_post`.
const MAX_FIELDS: usize = 16;

#[derive(Clone)]
struct Verifier {
    server: SigilServer,
    step_up: Arc<PidStepUp>,
}

/// Adds the PID endpoints to `router` (outside any bearer gate: wallets carry no token).
pub(crate) fn mount(router: Router, server: &SigilServer, step_up: Arc<PidStepUp>) -> Router {
    let state = Verifier {
        server: server.clone(),
        step_up,
    };
    let pid = Router::new()
        .route(&format!("{START_PATH}/{{state}}"), get(start_page))
        .route(&format!("{REQUEST_PATH}/{{state}}"), get(request_object))
        .route(RESPONSE_PATH, post(direct_post))
        .with_state(state);
    router.merge(pid)
}

async fn start_page(State(v): State<Verifier>, Path(state): Path<String>) -> Response {
    let (Some(link), Some(_)) = (
        v.step_up.wallet_link(&state),
        v.step_up.request_object(&state),
    ) else {
        return error(
            StatusCode::NOT_FOUND,
            "invalid_request",
            "unknown, used or expired request",
        );
    };
    let request_uri = format!("{REQUEST_PATH}/{state}");
    // Only our own URLs go into the page; `state` is base64url (no markup characters).
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>Present your PID</title>\
         <h1>Present your EU Digital Identity Wallet PID</h1>\
         <p><a href=\"{link}\">Open your wallet</a></p>\
         <p>Or scan the request: <code>{request_uri}</code></p>"
    );
    let mut response = (StatusCode::OK, page).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'"),
    );
    response
}

async fn request_object(State(v): State<Verifier>, Path(state): Path<String>) -> Response {
    match v.step_up.request_object(&state) {
        Some(object) => json(StatusCode::OK, &object),
        None => error(
            StatusCode::NOT_FOUND,
            "invalid_request",
            "unknown, used or expired request",
        ),
    }
}

async fn direct_post(State(v): State<Verifier>, request: Request) -> Response {
    let form_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .and_then(|t| t.split(';').next())
        .is_some_and(|t| {
            t.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_type {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "expected application/x-www-form-urlencoded",
        );
    }
    let limit = v.step_up.verifier().max_presentation_bytes() * 2 + 4096;
    let Ok(body) = axum::body::to_bytes(request.into_body(), limit).await else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "request body too large",
        );
    };
    let fields = match parse_form(&body) {
        Ok(fields) => fields,
        Err(what) => return error(StatusCode::BAD_REQUEST, "invalid_request", what),
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(state) = field("state") else {
        return error(StatusCode::BAD_REQUEST, "invalid_request", "missing state");
    };
    let outcome = v
        .step_up
        .complete(state, field("vp_token"), field("error").is_some());
    if let Some(peer) = v.step_up.take_watcher(state) {
        notify_complete(peer, state.to_owned());
    }
    match outcome {
        Ok((pid, binding)) => {
            v.server
                .pipeline
                .record(
                    EventKind::IdentityEstablished,
                    Who::Principal(&pid.principal),
                )
                .decision(Decision::Accepted)
                .reason(format_args!(
                    "EUDI PID presentation verified (vct {}); step-up of {}",
                    pid.vct, binding.principal
                ))
                .append();
            tracing::info!(principal = %pid.principal, "PID presentation accepted");
            json(StatusCode::OK, &json!({}))
        }
        Err((refused, binding)) => {
            let who = binding
                .as_ref()
                .map_or(Who::Anonymous, |b| Who::Canonical(&b.principal));
            v.server
                .pipeline
                .record(EventKind::IdentityRefused, who)
                .decision(Decision::Refused)
                .reason(format_args!("PID presentation refused: {refused}"))
                .append();
            tracing::info!(reason = %refused, "PID presentation refused");
            if refused == PresentationRefused::WalletError {
                // The wallet told us it declined; it gets an ordinary acknowledgement.
                return json(StatusCode::OK, &json!({}));
            }
            error(
                StatusCode::BAD_REQUEST,
                refused.oauth_error(),
                &refused.to_string(),
            )
        }
    }
}

/// Tells the session that started the step-up that its URL elicitation completed (MCP
/// 2025-11-25 `notifications/elicitation/complete`), successful or not: it may retry now.
/// rmcp 3.11 has no type for it, so it goes as a custom notification.
fn notify_complete(peer: Peer<RoleServer>, state: String) {
    tokio::spawn(async move {
        let notification = CustomNotification::new(
            "notifications/elicitation/complete",
            Some(json!({ "elicitationId": state })),
        );
        if let Err(e) = peer
            .send_notification(ServerNotification::CustomNotification(notification))
            .await
        {
            tracing::debug!(error = %e, "elicitation/complete not delivered");
        }
    });
}

/// Parses an `application/x-www-form-urlencoded` body; refuses broken escapes, non-UTF-8,
/// repeated fields and too many fields.
fn parse_form(body: &Bytes) -> Result<Vec<(String, String)>, &'static str> {
    let text = std::str::from_utf8(body).map_err(|_| "body is not UTF-8")?;
    let mut fields: Vec<(String, String)> = Vec::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        if fields.len() == MAX_FIELDS {
            return Err("too many form fields");
        }
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (percent_decode(name)?, percent_decode(value)?);
        if fields.iter().any(|(n, _)| *n == name) {
            return Err("a form field is repeated");
        }
        fields.push((name, value));
    }
    Ok(fields)
}

fn percent_decode(text: &str) -> Result<String, &'static str> {
    const BAD: &str = "broken percent-encoding";
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or(BAD)?;
                let hex = std::str::from_utf8(hex).map_err(|_| BAD)?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| BAD)?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "form field is not UTF-8")
}

fn json(status: StatusCode, value: &Value) -> Response {
    let mut response = (status, value.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn error(status: StatusCode, code: &str, description: &str) -> Response {
    json(
        status,
        &json!({ "error": code, "error_description": description }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_decoded_strictly() {
        let fields = parse_form(&Bytes::from_static(b"state=a%2Bb&vp_token=x~y+z&")).unwrap();
        assert_eq!(
            fields,
            [
                ("state".into(), "a+b".into()),
                ("vp_token".into(), "x~y z".into())
            ]
        );
        for bad in [
            &b"state=%G0"[..],
            b"state=%2",
            b"state=%",
            b"a=1&a=2",
            b"state=%FF",
            b"\xff=1",
        ] {
            assert!(parse_form(&Bytes::copy_from_slice(bad)).is_err(), "{bad:?}");
        }
        let many = (0..20)
            .map(|i| format!("f{i}=1"))
            .collect::<Vec<_>>()
            .join("&");
        assert!(parse_form(&Bytes::from(many)).is_err());
    }
}
