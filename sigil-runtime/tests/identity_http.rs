//! The OIDC resource server on the HTTP front door: a `SigilServer` built with `.oidc(...)`,
//! served on loopback, called over plain HTTP with tokens from a real OpenID provider. Needs
//! `node` and `npm ci --prefix tests/oidc`, like `identity_oidc.rs`.

mod mcp_reply_support;
mod oidc_support;

use std::sync::Arc;

use oidc_support::{OTHER_RESOURCE, RESOURCE, config, shared};
use serde_json::{Value, json};
use sigil_runtime::audit::{EventKind, MemoryAudit};
use sigil_runtime::config::{HttpConfig, SigilConfig};
use sigil_runtime::identity::oidc::OidcVerifier;
use sigil_runtime::identity::resource_server::ResourceServer;
use sigil_runtime::server::{Dangerous, SigilServer, ToolDef};
use sigil_runtime::tool::{Risk, ToolOutput, ToolSpec};
use tokio_util::sync::CancellationToken;

const METADATA_URL: &str = "http://127.0.0.1:8650/.well-known/oauth-protected-resource/mcp";
const ENVELOPE: &str = "org.sigil-protocol/envelope";

/// A server with a low-risk `whoami` and a high-risk `pay` that needs `bank:transfer`, behind the
/// provider's tokens, listening on a free loopback port. Returns its `/mcp` URL.
async fn serve() -> (String, CancellationToken) {
    let (url, cancel, _) = serve_audited(HttpConfig::default()).await;
    (url, cancel)
}

/// [`serve`] with this HTTP configuration, also returning its audit trail.
async fn serve_audited(http: HttpConfig) -> (String, CancellationToken, Arc<MemoryAudit>) {
    let audit = Arc::new(MemoryAudit::new());
    let sigil_config = SigilConfig {
        http,
        ..SigilConfig::default()
    };
    let verifier = OidcVerifier::discover(config(&shared().0.issuer))
        .await
        .unwrap();
    let resource =
        ResourceServer::new(Arc::new(verifier), RESOURCE, ["bank:read", "bank:transfer"]).unwrap();
    let server = SigilServer::builder("http-test", "1.0")
        .tool(
            ToolDef::new(ToolSpec::new("whoami", "Who is calling.", Risk::Low)),
            |call| async move { Ok(ToolOutput::text(call.caller().principal().to_string())) },
        )
        .tool(
            ToolDef::new(ToolSpec::new("pay", "Move money.", Risk::High).scopes(["bank:transfer"])),
            |_call| async move { Ok(ToolOutput::text("paid")) },
        )
        .oidc(resource)
        .audit(audit.clone())
        .config(sigil_config)
        .dangerous(Dangerous::NoScanning)
        .dangerous(Dangerous::MemoryAudit)
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let cancel = CancellationToken::new();
    tokio::spawn(server.serve_http(listener, cancel.clone()));
    (url, cancel, audit)
}

/// A stateless (2026-07-28) JSON-RPC request, as an MCP client sends it.
fn request(method: &str, mut params: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "identity-http-test", "version": "1"},
    });
    json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params})
}

struct Reply {
    status: u16,
    challenge: Option<String>,
    /// The JSON-RPC message of the body (plain JSON or the first SSE `data:` event).
    message: Option<Value>,
}

async fn post(url: &str, token: Option<&str>, body: &Value) -> Reply {
    let mut req = reqwest::Client::new()
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", body["method"].as_str().unwrap())
        .body(body.to_string());
    if let Some(name) = body["params"]["name"].as_str() {
        req = req.header("mcp-name", name);
    }
    if let Some(token) = token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    let response = req.send().await.unwrap();
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    let message = mcp_reply_support::jsonrpc_message(&text);
    Reply {
        status,
        challenge,
        message,
    }
}

async fn call(url: &str, token: Option<&str>, tool: &str) -> Reply {
    let body = request("tools/call", json!({"name": tool, "arguments": {}}));
    post(url, token, &body).await
}

async fn token(client: &str, scope: &str) -> String {
    shared().0.client_credentials(client, scope, RESOURCE).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_gets_401_with_resource_metadata_and_the_document_is_served() {
    let (url, cancel) = serve().await;
    let reply = call(&url, None, "whoami").await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.challenge.as_deref(),
        Some(
            format!(
                r#"Bearer resource_metadata="{METADATA_URL}", scope="bank:read bank:transfer""#
            )
            .as_str()
        )
    );
    let base = url.trim_end_matches("/mcp");
    for path in [
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
    ] {
        let response = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let document: Value = response.json().await.unwrap();
        assert_eq!(document["resource"], RESOURCE);
        assert_eq!(
            document["authorization_servers"],
            json!([shared().0.issuer])
        );
        assert_eq!(
            document["scopes_supported"],
            json!(["bank:read", "bank:transfer"])
        );
    }
    cancel.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_token_reaches_the_tool_as_the_oidc_principal_at_its_trust() {
    let (url, cancel) = serve().await;
    let token = token("client-high", "bank:read bank:transfer").await;
    let issuer = &shared().0.issuer;
    let reply = call(&url, Some(&token), "whoami").await;
    assert_eq!(reply.status, 200);
    let result = &reply.message.expect("a JSON-RPC reply")["result"];
    let principal = format!("oidc:{issuer}#client-high");
    assert_eq!(result["content"][0]["text"], principal.as_str());
    let envelope = &result["_meta"][ENVELOPE];
    assert_eq!(envelope["principal"], principal.as_str(), "{result}");
    assert_eq!(envelope["trust_level"], "high", "{result}");

    let reply = call(&url, Some(&token), "pay").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.message.unwrap()["result"]["content"][0]["text"],
        "paid"
    );
    cancel.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_token_lists_only_what_it_may_call() {
    let (url, cancel) = serve().await;
    let token = token("client-low", "bank:read bank:transfer").await;
    let reply = post(&url, Some(&token), &request("tools/list", json!({}))).await;
    assert_eq!(reply.status, 200);
    let tools = &reply.message.unwrap()["result"]["tools"];
    let names: Vec<&str> = tools
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["whoami"]);
    cancel.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_for_another_audience_gets_401_invalid_token() {
    let (url, cancel, audit) = serve_audited(HttpConfig::default()).await;
    let other = shared()
        .0
        .client_credentials("client-high", "bank:read", OTHER_RESOURCE)
        .await;
    let reply = call(&url, Some(&other), "whoami").await;
    assert_eq!(reply.status, 401);
    let challenge = reply.challenge.unwrap();
    assert!(
        challenge.starts_with(r#"Bearer error="invalid_token", error_description="#),
        "{challenge}"
    );
    assert!(
        challenge.contains(&format!(r#"resource_metadata="{METADATA_URL}""#)),
        "{challenge}"
    );
    assert!(!challenge.contains(&other), "the token is echoed");
    let events = audit.events();
    let refused = events
        .iter()
        .find(|e| e.kind == EventKind::IdentityRefused)
        .expect("the refused token is audited");
    assert!(
        refused
            .reason
            .as_deref()
            .unwrap()
            .contains("not meant for this resource"),
        "{refused:?}"
    );
    assert!(
        !format!("{events:?}").contains(&other),
        "the token is audited"
    );
    cancel.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_low_trust_gets_a_step_up_401_with_the_pipelines_error() {
    let (url, cancel) = serve().await;
    let token = token("client-low", "bank:read bank:transfer").await;
    let reply = call(&url, Some(&token), "pay").await;
    assert_eq!(reply.status, 401);
    let challenge = reply.challenge.unwrap();
    assert!(
        challenge.contains(r#"error="insufficient_user_authentication""#),
        "{challenge}"
    );
    assert!(
        challenge.contains(r#"acr_values="http://eidas.europa.eu/LoA/high""#),
        "{challenge}"
    );
    let message = reply.message.expect("a JSON-RPC error body");
    assert_eq!(message["id"], 7);
    assert_eq!(message["error"]["code"], -32081);
    assert_eq!(message["error"]["data"]["required_trust"], "high");
    cancel.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_scopes_get_403_insufficient_scope_listing_every_scope() {
    let (url, cancel, audit) = serve_audited(HttpConfig::default()).await;
    let token = token("client-high", "bank:read").await;
    let reply = call(&url, Some(&token), "pay").await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.challenge.as_deref(),
        Some(
            format!(
                r#"Bearer error="insufficient_scope", resource_metadata="{METADATA_URL}", scope="bank:transfer""#
            )
            .as_str()
        )
    );
    let message = reply.message.expect("a JSON-RPC error body");
    assert_eq!(message["error"]["code"], -32082);
    assert_eq!(
        message["error"]["data"]["required_scopes"],
        json!(["bank:transfer"])
    );
    let refused: Vec<_> = audit
        .events()
        .into_iter()
        .filter(|e| e.kind == EventKind::CallRefused)
        .collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].tool.as_deref(), Some("pay"));
    assert_eq!(
        refused[0].principal,
        format!("oidc:{}#client-high", shared().0.issuer)
    );
    assert!(
        refused[0]
            .reason
            .as_deref()
            .unwrap()
            .starts_with("insufficient_scope")
    );
    // The low-risk tool needs no scope: the same token calls it.
    assert_eq!(call(&url, Some(&token), "whoami").await.status, 200);
    cancel.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_above_the_configured_limit_is_refused_before_the_mcp_layer() {
    let http = HttpConfig {
        max_body_bytes: 4096,
        ..HttpConfig::default()
    };
    let (url, cancel, audit) = serve_audited(http).await;
    let token = token("client-high", "bank:read bank:transfer").await;
    let mut body = request("tools/call", json!({"name": "pay", "arguments": {}}));
    body["params"]["arguments"]["padding"] = json!("x".repeat(8192));
    let reply = post(&url, Some(&token), &body).await;
    assert_eq!(reply.status, 413);
    assert!(
        audit
            .events()
            .iter()
            .all(|e| e.kind != EventKind::CallAllowed),
        "nothing ran"
    );
    cancel.cancel();
}
