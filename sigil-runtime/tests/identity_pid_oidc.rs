//! The PID step-up behind the OIDC resource server: a bearer token from a real OpenID provider
//! at trust Low, stateless 2026-07-28 requests (no MCP session): the step-up is bound to the
//! token's principal, the bearer gate lets the call through to the pipeline's `-32042`, and once
//! the PID is posted the same principal calls the High tool as the PID caller, keeping its
//! scopes. Needs `node` and `npm ci --prefix tests/oidc`, like `identity_oidc.rs`.

mod mcp_reply_support;
mod oidc_support;
mod pid_support;

use std::sync::Arc;

use oidc_support::{RESOURCE, config, shared};
use pid_support::{Credential, ISSUER, KeyBinding, PERSON_ID, key, public_jwk};
use serde_json::{Value, json};
use sigil_runtime::identity::oidc::OidcVerifier;
use sigil_runtime::identity::pid::{IssuerTrustList, PidConfig, PidStepUp, PidVerifier};
use sigil_runtime::identity::resource_server::ResourceServer;
use sigil_runtime::pipeline::URL_ELICITATION_REQUIRED;
use sigil_runtime::server::{Dangerous, SigilServer, ToolDef};
use sigil_runtime::tool::{Risk, ToolOutput, ToolSpec};
use tokio_util::sync::CancellationToken;

const ENVELOPE: &str = "org.sigil-protocol/envelope";

/// A stateless (2026-07-28) JSON-RPC `tools/call`.
fn call_body(tool: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
        "name": tool, "arguments": {},
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "pid-oidc-test", "version": "1"},
        },
    }})
}

/// Calls `tool` with `token`; the HTTP status and the JSON-RPC message.
async fn call(url: &str, token: &str, tool: &str) -> (u16, Value) {
    let body = call_body(tool);
    let response = reqwest::Client::new()
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", tool)
        .header("authorization", format!("Bearer {token}"))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let message = mcp_reply_support::jsonrpc_message(&text).unwrap_or(Value::Null);
    (status, message)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bearer_principal_steps_up_to_its_pid_without_a_session() {
    let issuer_key = key();
    let mut trust = IssuerTrustList::new();
    trust
        .add_jwk(&public_jwk(&issuer_key), Some(ISSUER))
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let verifier = PidVerifier::new(PidConfig::new(
        trust,
        format!("redirect_uri:{base}/pid/response"),
    ))
    .unwrap();
    let oidc = OidcVerifier::discover(config(&shared().0.issuer))
        .await
        .unwrap();
    let resource =
        ResourceServer::new(Arc::new(oidc), RESOURCE, ["bank:read", "bank:transfer"]).unwrap();
    let server = SigilServer::builder("pid-oidc-test", "1.0")
        .tool(
            ToolDef::new(ToolSpec::new("pay", "Move money.", Risk::High).scopes(["bank:transfer"])),
            |call| async move { Ok(ToolOutput::text(call.caller().principal().to_string())) },
        )
        .oidc(resource)
        .pid_step_up(PidStepUp::new(verifier, &base))
        .dangerous(Dangerous::NoScanning)
        .dangerous(Dangerous::MemoryAudit)
        .build()
        .unwrap();
    let cancel = CancellationToken::new();
    tokio::spawn(server.serve_http(listener, cancel.clone()));
    let url = format!("{base}/mcp");
    let provider = &shared().0;
    let low = provider
        .client_credentials("client-low", "bank:read bank:transfer", RESOURCE)
        .await;

    // Too low: the pipeline's step-up, not the bearer gate's RFC 9470 401.
    let (status, refused) = call(&url, &low, "pay").await;
    assert_eq!(status, 200, "{refused}");
    assert_eq!(
        refused["error"]["code"], URL_ELICITATION_REQUIRED,
        "{refused}"
    );
    let state = refused["error"]["data"]["elicitations"][0]["elicitationId"]
        .as_str()
        .unwrap()
        .to_owned();

    let request: Value = reqwest::get(format!("{base}/pid/request/{state}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let holder = key();
    let credential = Credential::pid(&holder);
    let mut kb = KeyBinding::new(request["nonce"].as_str().unwrap());
    kb.aud = request["client_id"].as_str().unwrap().to_owned();
    let presentation = kb.present(
        &credential.sign(&issuer_key),
        &credential.disclosures,
        &holder,
    );
    let response = reqwest::Client::new()
        .post(request["response_uri"].as_str().unwrap())
        .form(&[("vp_token", presentation.as_str()), ("state", &state)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // The same principal (a new token of the same client) is now the PID caller, scopes kept.
    let again = provider
        .client_credentials("client-low", "bank:read bank:transfer", RESOURCE)
        .await;
    let (status, done) = call(&url, &again, "pay").await;
    assert_eq!(status, 200);
    let principal = format!("eidas:pid:DE:{PERSON_ID}");
    assert_eq!(
        done["result"]["content"][0]["text"],
        principal.as_str(),
        "{done}"
    );
    assert_eq!(done["result"]["_meta"][ENVELOPE]["trust_level"], "high");

    // Another principal is not upgraded; missing scopes are still the bearer gate's.
    let other = provider
        .client_credentials("client-substantial", "bank:read bank:transfer", RESOURCE)
        .await;
    let (_, refused) = call(&url, &other, "pay").await;
    assert_eq!(refused["error"]["code"], URL_ELICITATION_REQUIRED);
    let unscoped = provider
        .client_credentials("client-low", "bank:read", RESOURCE)
        .await;
    // (The gate checks trust first, so this is its RFC 9470 401; a PID cannot grant scopes,
    // so no step-up is offered.)
    let (status, refused) = call(&url, &unscoped, "pay").await;
    assert_eq!(status, 401);
    assert_eq!(refused["error"]["code"], -32081);
    cancel.cancel();
}
