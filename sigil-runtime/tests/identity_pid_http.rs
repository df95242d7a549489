//! The PID step-up over real HTTP on 127.0.0.1: an MCP session (2025-11-25, stateful) calls a
//! high-risk tool at trust Low, gets the `-32042` URL elicitation, the test wallet fetches the
//! request object and posts its PID to `direct_post`, and the retried call runs as the PID
//! caller at trust High. Then the verifier endpoints against bad input.

mod mcp_reply_support;
mod pid_support;

use std::sync::Arc;

use p256::ecdsa::SigningKey;
use pid_support::{Credential, ISSUER, KeyBinding, PERSON_ID, key, public_jwk};
use serde_json::{Value, json};
use sigil_runtime::audit::{EventKind, MemoryAudit};
use sigil_runtime::identity::pid::{IssuerTrustList, PidConfig, PidStepUp, PidVerifier};
use sigil_runtime::identity::{Caller, TrustLevel};
use sigil_runtime::pipeline::URL_ELICITATION_REQUIRED;
use sigil_runtime::server::{Dangerous, SigilServer, ToolDef};
use sigil_runtime::tool::{Risk, ToolOutput, ToolSpec};
use tokio_util::sync::CancellationToken;

const ENVELOPE: &str = "org.sigil-protocol/envelope";

struct Served {
    base: String,
    issuer: SigningKey,
    audit: Arc<MemoryAudit>,
    cancel: CancellationToken,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// A server with `whoami` (Low) and `transfer` (High), every session's caller `local:alice` at
/// Low, a PID step-up trusting a fresh issuer key; on a free loopback port.
async fn serve() -> Served {
    let issuer = key();
    let mut trust = IssuerTrustList::new();
    trust.add_jwk(&public_jwk(&issuer), Some(ISSUER)).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let client_id = format!("redirect_uri:{base}/pid/response");
    let verifier = PidVerifier::new(PidConfig::new(trust, client_id)).unwrap();
    let audit = Arc::new(MemoryAudit::new());
    let whoami = |call: sigil_runtime::tool::GatedCall| async move {
        Ok(ToolOutput::text(call.caller().principal().to_string()))
    };
    let server = SigilServer::builder("pid-test", "1.0")
        .tool(
            ToolDef::new(ToolSpec::new("whoami", "Who is calling.", Risk::Low)),
            whoami,
        )
        .tool(
            ToolDef::new(ToolSpec::new("transfer", "Move money.", Risk::High)),
            whoami,
        )
        .default_caller(Caller::local("alice", TrustLevel::Low))
        .pid_step_up(PidStepUp::new(verifier, &base))
        .audit(audit.clone())
        .dangerous(Dangerous::NoScanning)
        .dangerous(Dangerous::MemoryAudit)
        .build()
        .unwrap();
    let cancel = CancellationToken::new();
    tokio::spawn(server.serve_http(listener, cancel.clone()));
    Served {
        base,
        issuer,
        audit,
        cancel,
    }
}

/// A legacy (2025-11-25) MCP session over Streamable HTTP, spoken with plain HTTP requests.
struct Session {
    url: String,
    id: String,
    http: reqwest::Client,
    next_id: u64,
}

impl Session {
    async fn open(base: &str) -> Self {
        let http = reqwest::Client::new();
        let url = format!("{base}/mcp");
        let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {"elicitation": {"url": {}}},
            "clientInfo": {"name": "pid-http-test", "version": "1"},
        }});
        let response = post_mcp(&http, &url, None, &init).await;
        let id = response
            .headers()
            .get("mcp-session-id")
            .expect("a stateful session")
            .to_str()
            .unwrap()
            .to_owned();
        assert!(first_message(response).await.get("result").is_some());
        let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let status = post_mcp(&http, &url, Some(&id), &initialized)
            .await
            .status();
        assert!(status.is_success(), "{status}");
        Self {
            url,
            id,
            http,
            next_id: 1,
        }
    }

    /// The session's standalone SSE stream (server-initiated messages).
    async fn listen(&self) -> reqwest::Response {
        let response = self
            .http
            .get(&self.url)
            .header("accept", "text/event-stream")
            .header("mcp-session-id", &self.id)
            .header("mcp-protocol-version", "2025-11-25")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response
    }

    async fn call(&mut self, tool: &str) -> Value {
        self.next_id += 1;
        let body = json!({"jsonrpc": "2.0", "id": self.next_id, "method": "tools/call",
            "params": {"name": tool, "arguments": {}}});
        first_message(post_mcp(&self.http, &self.url, Some(&self.id), &body).await).await
    }
}

async fn post_mcp(
    http: &reqwest::Client,
    url: &str,
    session: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut request = http
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(id) = session {
        request = request
            .header("mcp-session-id", id)
            .header("mcp-protocol-version", "2025-11-25");
    }
    tokio::time::timeout(std::time::Duration::from_secs(10), request.send())
        .await
        .expect("answered within 10 s")
        .unwrap()
}

/// The JSON-RPC response in a plain JSON or SSE body.
async fn first_message(response: reqwest::Response) -> Value {
    let text = response.text().await.unwrap();
    mcp_reply_support::jsonrpc_message(&text)
        .unwrap_or_else(|| panic!("no JSON-RPC message in {text:?}"))
}

/// Reads `stream` until a line contains every one of `needles` (within 5 s).
async fn stream_shows(mut stream: reqwest::Response, needles: &[&str]) -> bool {
    let mut seen = String::new();
    let read = async {
        while let Ok(Some(chunk)) = stream.chunk().await {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.lines().any(|l| needles.iter().all(|n| l.contains(n))) {
                return true;
            }
        }
        false
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), read)
        .await
        .unwrap_or(false)
}

/// What the wallet does with a request object: present a PID for its nonce and client id.
fn wallet_presentation(request: &Value, issuer: &SigningKey, holder: &SigningKey) -> String {
    let credential = Credential::pid(holder);
    let mut kb = KeyBinding::new(request["nonce"].as_str().unwrap());
    kb.aud = request["client_id"].as_str().unwrap().to_owned();
    kb.present(&credential.sign(issuer), &credential.disclosures, holder)
}

/// Posts a form to `url`, returning the status and the JSON body.
async fn post_form(url: &str, fields: &[(&str, &str)]) -> (u16, Value) {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    post_raw(url, "application/x-www-form-urlencoded", body).await
}

async fn post_raw(url: &str, content_type: &str, body: String) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text:?}"));
    (status, json)
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Calls `transfer` in `session` and returns the step-up request object it points at.
async fn step_up_request(session: &mut Session, base: &str) -> (Value, String) {
    let refused = session.call("transfer").await;
    let error = &refused["error"];
    assert_eq!(error["code"], URL_ELICITATION_REQUIRED, "{refused}");
    let elicitation = &error["data"]["elicitations"][0];
    assert_eq!(elicitation["mode"], "url");
    let state = elicitation["elicitationId"].as_str().unwrap().to_owned();
    let page_url = elicitation["url"].as_str().unwrap();
    assert!(page_url.starts_with(base));
    let page = reqwest::get(page_url).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("openid4vp://?client_id=")
    );
    let request: Value = reqwest::get(format!("{base}/pid/request/{state}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (request, state)
}

#[tokio::test]
async fn a_pid_presented_to_direct_post_steps_the_session_up_to_high() {
    let served = serve().await;
    let mut session = Session::open(&served.base).await;
    let before = session.call("whoami").await;
    assert_eq!(before["result"]["content"][0]["text"], "local:alice");

    let (request, state) = step_up_request(&mut session, &served.base).await;
    // A retry before the wallet answered points at the same request.
    let (_, same) = step_up_request(&mut session, &served.base).await;
    assert_eq!(same, state);
    let stream = session.listen().await;
    assert_eq!(request["response_mode"], "direct_post");
    assert_eq!(request["state"], state.as_str());
    assert_eq!(
        request["dcql_query"]["credentials"][0]["format"],
        "dc+sd-jwt"
    );
    assert_eq!(
        request["dcql_query"]["credentials"][0]["meta"]["vct_values"][0],
        "urn:eudi:pid:1"
    );
    let response_uri = request["response_uri"].as_str().unwrap().to_owned();
    let presentation = wallet_presentation(&request, &served.issuer, &key());
    let vp_token = json!({ "pid": [presentation] }).to_string();
    let (status, body) =
        post_form(&response_uri, &[("vp_token", &vp_token), ("state", &state)]).await;
    assert_eq!((status, &body), (200, &json!({})));
    assert!(
        stream_shows(stream, &["notifications/elicitation/complete", &state]).await,
        "the session is told the elicitation completed"
    );

    let principal = format!("eidas:pid:DE:{PERSON_ID}");
    let after = session.call("transfer").await;
    assert_eq!(
        after["result"]["content"][0]["text"],
        principal.as_str(),
        "{after}"
    );
    let envelope = &after["result"]["_meta"][ENVELOPE];
    assert_eq!(envelope["trust_level"], "high");
    assert_eq!(envelope["principal"], principal.as_str());

    // Replaying the same answer: the state was used.
    let (status, body) =
        post_form(&response_uri, &[("vp_token", &vp_token), ("state", &state)]).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request");

    // Another session is not upgraded.
    let mut other = Session::open(&served.base).await;
    assert_eq!(
        other.call("transfer").await["error"]["code"],
        URL_ELICITATION_REQUIRED
    );

    let records = served.audit.events();
    let established: Vec<_> = records
        .iter()
        .filter(|r| r.kind == EventKind::IdentityEstablished)
        .collect();
    assert_eq!(established.len(), 1);
    assert_eq!(established[0].principal, principal);
    assert!(records.iter().any(|r| {
        r.kind == EventKind::CallRefused
            && r.reason
                .as_deref()
                .is_some_and(|t| t.contains("PID step-up started"))
    }));
    // Nothing personal in the trail beyond the principal.
    let trail = format!("{records:?}");
    assert!(!trail.contains("Mustermann") && !trail.contains(&presentation[..40]));
}

#[tokio::test]
async fn direct_post_refuses_bad_input_with_400_and_json() {
    let served = serve().await;
    let response_uri = format!("{}/pid/response", served.base);
    let mut session = Session::open(&served.base).await;

    // One request per refused row: each state is consumed by its answer.
    type Shape = fn(&str) -> String;
    let rows: [(&str, Shape); 4] = [
        ("garbage", |_| "not-a-presentation!!".into()),
        ("truncated", |p| p[..p.len() / 2].to_owned()),
        ("base64 garbage", |_| "@@@.@@@.@@@~@@@~".into()),
        ("other nonce", str::to_owned),
    ];
    for (what, shape) in rows {
        let (mut request, state) = step_up_request(&mut session, &served.base).await;
        if what == "other nonce" {
            request["nonce"] = json!("not-ours");
        }
        let presentation = shape(&wallet_presentation(&request, &served.issuer, &key()));
        let (status, body) = post_form(
            &response_uri,
            &[("vp_token", &presentation), ("state", &state)],
        )
        .await;
        assert_eq!(status, 400, "{what}: {body}");
        assert!(body["error_description"].is_string(), "{what}: {body}");
        // The state was consumed by the refused answer.
        let (status, _) = post_form(&response_uri, &[("vp_token", "x"), ("state", &state)]).await;
        assert_eq!(status, 400, "{what}: replay");
    }
    // Still Low: nothing was upgraded.
    assert_eq!(
        session.call("transfer").await["error"]["code"],
        URL_ELICITATION_REQUIRED
    );

    let (status, body) = post_form(&response_uri, &[("vp_token", "x"), ("state", "unknown")]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, _) = post_form(&response_uri, &[("vp_token", "x")]).await;
    assert_eq!(status, 400, "missing state");
    let (status, _) = post_raw(&response_uri, "application/json", "{}".into()).await;
    assert_eq!(status, 400, "not a form");
    let (status, _) = post_raw(
        &response_uri,
        "application/x-www-form-urlencoded",
        "state=%ZZ".into(),
    )
    .await;
    assert_eq!(status, 400, "broken escape");
    let huge = format!("state=s&vp_token={}", "a".repeat(300 * 1024));
    let (status, body) = post_raw(&response_uri, "application/x-www-form-urlencoded", huge).await;
    assert_eq!(status, 400, "oversized: {body}");
    let missing = reqwest::get(format!("{}/pid/request/unknown", served.base))
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // A wallet that declines: acknowledged, recorded, nothing upgraded.
    let (_, state) = step_up_request(&mut session, &served.base).await;
    let (status, _) = post_form(
        &response_uri,
        &[("error", "access_denied"), ("state", &state)],
    )
    .await;
    assert_eq!(status, 200);
    let refused = served
        .audit
        .events()
        .iter()
        .filter(|r| r.kind == EventKind::IdentityRefused)
        .count();
    assert_eq!(refused, 4 * 2 + 1 + 1, "each refused answer is audited");
}
