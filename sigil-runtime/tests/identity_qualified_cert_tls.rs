//! Qualified certificates over real mutual TLS on 127.0.0.1: a `SigilServer` served with
//! `serve_https` and client certificates required, called by reqwest (rustls) presenting
//! certificates made by the test's own CAs. One test per row of the table in
//! `docs/src/identity-qualified-certs.md`.

mod mcp_reply_support;
mod qualified_cert_support;

use std::sync::Arc;
use std::time::Duration;

use qualified_cert_support::{Ca, Issued, LeafSpec, Qc, seq, tlv};
use serde_json::{Value, json};
use sigil_runtime::audit::{EventKind, MemoryAudit};
use sigil_runtime::identity::qualified_cert::{AnchorKind, TrustAnchors};
use sigil_runtime::server::{BuildError, Dangerous, HttpsConfig, SigilServer, ToolDef};
use sigil_runtime::tool::{Risk, ToolOutput, ToolSpec};
use tokio_util::sync::CancellationToken;

const ENVELOPE: &str = "org.sigil-protocol/envelope";

/// The CAs of one test: the server's, a qualified one, a corporate (not qualified) one, and
/// one the server does not know.
struct Pki {
    server_ca: Ca,
    qualified: Ca,
    corporate: Ca,
    unknown: Ca,
}

impl Pki {
    fn new() -> Self {
        Self {
            server_ca: Ca::new("Server CA"),
            qualified: Ca::new("Test QTSP (qualified)"),
            corporate: Ca::new("Corporate CA"),
            unknown: Ca::new("Unknown CA"),
        }
    }
}

struct Running {
    url: String,
    cancel: CancellationToken,
    audit: Arc<MemoryAudit>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// A server with `whoami` (Low) answering `<principal> <trust>` and `pay` (High), over HTTPS
/// requiring client certificates under the qualified and corporate CAs.
async fn serve(pki: &Pki) -> Running {
    let audit = Arc::new(MemoryAudit::new());
    let server = SigilServer::builder("mtls-test", "1.0")
        .tool(
            ToolDef::new(ToolSpec::new("whoami", "Who is calling.", Risk::Low)),
            |call| async move {
                let c = call.caller();
                Ok(ToolOutput::text(format!("{} {}", c.principal(), c.trust())))
            },
        )
        .tool(
            ToolDef::new(ToolSpec::new("pay", "Move money.", Risk::High)),
            |_call| async move { Ok(ToolOutput::text("paid")) },
        )
        .audit(audit.clone())
        .dangerous(Dangerous::NoScanning)
        .dangerous(Dangerous::MemoryAudit)
        .build()
        .unwrap();
    let mut anchors = TrustAnchors::new();
    anchors
        .add_pem(
            pki.qualified.cert.cert_pem.as_bytes(),
            AnchorKind::Qualified,
        )
        .unwrap();
    anchors
        .add_pem(
            pki.corporate.cert.cert_pem.as_bytes(),
            AnchorKind::NotQualified,
        )
        .unwrap();
    let server_cert = pki.server_ca.server();
    let tls = HttpsConfig::from_pem(
        server_cert.cert_pem.as_bytes(),
        server_cert.key_pem.as_bytes(),
    )
    .unwrap()
    .client_auth(&anchors)
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}/mcp", listener.local_addr().unwrap());
    let cancel = CancellationToken::new();
    tokio::spawn(server.serve_https(listener, tls, cancel.clone()));
    Running { url, cancel, audit }
}

/// A client trusting the server CA, presenting `identity` if given.
fn client(pki: &Pki, identity: Option<&Issued>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(pki.server_ca.cert.cert_pem.as_bytes()).unwrap(),
        )
        .timeout(Duration::from_secs(10));
    if let Some(identity) = identity {
        builder = builder
            .identity(reqwest::Identity::from_pem(identity.identity_pem().as_bytes()).unwrap());
    }
    builder.build().unwrap()
}

/// A stateless (2026-07-28) `tools/call`; the JSON-RPC reply, or the transport error's text.
async fn call(client: &reqwest::Client, url: &str, tool: &str) -> Result<Value, String> {
    let body = json!({
        "jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {
            "name": tool, "arguments": {},
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {},
                "io.modelcontextprotocol/clientInfo": {"name": "mtls-test", "version": "1"},
            },
        },
    });
    let response = client
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", tool)
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?;
    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().await.map_err(|e| format!("{e:?}"))?;
    mcp_reply_support::jsonrpc_message(&text).ok_or(text)
}

/// The text of a successful tool result.
fn text(reply: &Value) -> &str {
    reply["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("not a tool result: {reply}"))
}

/// Waits (at most 5 s) for an `identity_refused` audit event and returns its reason.
async fn refusal_reason(audit: &MemoryAudit) -> String {
    for _ in 0..100 {
        if let Some(e) = audit
            .events()
            .into_iter()
            .find(|e| e.kind == EventKind::IdentityRefused)
        {
            return e.reason.unwrap_or_default();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no identity_refused event was audited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qualified_with_sscd_under_a_qualified_anchor_is_high_and_may_pay() {
    let pki = Pki::new();
    let running = serve(&pki).await;
    let leaf = pki
        .qualified
        .client(&LeafSpec::person(&Qc::qualified_sscd()));
    let client = client(&pki, Some(&leaf));
    let reply = call(&client, &running.url, "whoami").await.unwrap();
    assert_eq!(text(&reply), "eidas:qc:DE:PNODE-123456789 high");
    let envelope = &reply["result"]["_meta"][ENVELOPE];
    assert_eq!(envelope["principal"], "eidas:qc:DE:PNODE-123456789");
    assert_eq!(envelope["trust_level"], "high");
    let reply = call(&client, &running.url, "pay").await.unwrap();
    assert_eq!(text(&reply), "paid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qualified_without_sscd_is_medium_and_may_not_pay() {
    let pki = Pki::new();
    let running = serve(&pki).await;
    let leaf = pki
        .qualified
        .client(&LeafSpec::person(&Qc::qualified_no_sscd()));
    let client = client(&pki, Some(&leaf));
    let reply = call(&client, &running.url, "whoami").await.unwrap();
    assert_eq!(text(&reply), "eidas:qc:DE:PNODE-123456789 medium");
    let reply = call(&client, &running.url, "pay").await.unwrap();
    assert!(reply.get("result").is_none(), "{reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("trust"),
        "{reply}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qc_statements_under_a_not_qualified_anchor_are_low() {
    let pki = Pki::new();
    let running = serve(&pki).await;
    let leaf = pki
        .corporate
        .client(&LeafSpec::person(&Qc::qualified_sscd()));
    let client = client(&pki, Some(&leaf));
    let reply = call(&client, &running.url, "whoami").await.unwrap();
    assert_eq!(text(&reply), "eidas:qc:DE:PNODE-123456789 low");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_from_an_unknown_ca_fails_the_handshake() {
    let pki = Pki::new();
    let running = serve(&pki).await;
    let leaf = pki.unknown.client(&LeafSpec::person(&Qc::qualified_sscd()));
    let error = call(&client(&pki, Some(&leaf)), &running.url, "whoami")
        .await
        .unwrap_err();
    assert!(!error.is_empty());
    let reason = refusal_reason(&running.audit).await;
    assert!(reason.contains("UnknownIssuer"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_client_certificate_fails_the_handshake() {
    let pki = Pki::new();
    let running = serve(&pki).await;
    call(&client(&pki, None), &running.url, "whoami")
        .await
        .unwrap_err();
    let reason = refusal_reason(&running.audit).await;
    assert!(
        reason.contains("no client certificate was presented"),
        "{reason}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_certificate_fails_the_handshake() {
    let pki = Pki::new();
    let running = serve(&pki).await;
    let spec = LeafSpec {
        expired: true,
        ..LeafSpec::person(&Qc::qualified_sscd())
    };
    let leaf = pki.qualified.client(&spec);
    call(&client(&pki, Some(&leaf)), &running.url, "whoami")
        .await
        .unwrap_err();
    let reason = refusal_reason(&running.audit).await;
    assert!(reason.to_lowercase().contains("expired"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_qc_statements_fail_the_handshake_with_a_clear_reason() {
    let pki = Pki::new();
    let running = serve(&pki).await;
    let spec = LeafSpec {
        // A QC statement whose OBJECT IDENTIFIER is empty.
        qc_statements: Some(seq(&[seq(&[tlv(0x06, &[])])])),
        ..LeafSpec::person(&Qc::default())
    };
    let leaf = pki.qualified.client(&spec);
    call(&client(&pki, Some(&leaf)), &running.url, "whoami")
        .await
        .unwrap_err();
    let reason = refusal_reason(&running.audit).await;
    assert_eq!(
        reason,
        "client certificate refused (malformed QCStatements extension: malformed OBJECT IDENTIFIER)"
    );
    // The server is still serving.
    let good = pki
        .qualified
        .client(&LeafSpec::person(&Qc::qualified_sscd()));
    let reply = call(&client(&pki, Some(&good)), &running.url, "whoami")
        .await
        .unwrap();
    assert_eq!(text(&reply), "eidas:qc:DE:PNODE-123456789 high");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_is_not_answered_on_the_https_port() {
    let pki = Pki::new();
    let running = serve(&pki).await;
    let plain = running.url.replace("https://", "http://");
    let error = call(&reqwest::Client::new(), &plain, "whoami").await;
    assert!(error.is_err(), "{error:?}");
}

#[test]
fn the_key_file_must_be_private() {
    use std::os::unix::fs::PermissionsExt;
    let pki = Pki::new();
    let server = pki.server_ca.server();
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("server.pem");
    let key = dir.path().join("server.key");
    std::fs::write(&cert, &server.cert_pem).unwrap();
    std::fs::write(&key, &server.key_pem).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let error = HttpsConfig::from_pem_files(&cert, &key).unwrap_err();
    assert!(matches!(error, BuildError::KeyFileNotPrivate { ref path, .. } if *path == key));
    let message = error.to_string();
    assert!(message.contains("mode is 0644"), "{message}");
    assert!(!message.contains("PRIVATE KEY"), "{message}");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let config = HttpsConfig::from_pem_files(&cert, &key).unwrap();
    assert!(!format!("{config:?}").contains("PRIVATE"));
    // A key file that holds no key, and a certificate file that holds no certificate.
    std::fs::write(&cert, "nothing").unwrap();
    assert!(matches!(
        HttpsConfig::from_pem_files(&cert, &key),
        Err(BuildError::Certificate)
    ));
}

/// A legacy `POST` on `url` with `session` (if any); status, session header and body.
async fn legacy_post(
    client: &reqwest::Client,
    url: &str,
    session: Option<&str>,
    body: Value,
) -> (u16, Option<String>, String) {
    let mut request = client
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2025-11-25");
    if let Some(s) = session {
        request = request.header("mcp-session-id", s);
    }
    let response = request.body(body.to_string()).send().await.unwrap();
    let status = response.status().as_u16();
    let id = response
        .headers()
        .get("mcp-session-id")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, id, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legacy_session_serves_only_the_certificate_holder_that_opened_it() {
    let pki = Pki::new();
    let running = serve(&pki).await;
    let erika = client(
        &pki,
        Some(
            &pki.qualified
                .client(&LeafSpec::person(&Qc::qualified_sscd())),
        ),
    );
    let mut other = LeafSpec::person(&Qc::qualified_sscd());
    other.serial_number = Some("PNODE-987654321".into());
    let max = client(&pki, Some(&pki.qualified.client(&other)));
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "mtls-test", "version": "1"}}});
    let (status, session, _) = legacy_post(&erika, &running.url, None, initialize).await;
    assert_eq!(status, 200);
    let session = session.expect("a legacy session id");
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let (status, _, _) = legacy_post(&erika, &running.url, Some(&session), initialized).await;
    assert_eq!(status, 202);
    let whoami = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "whoami", "arguments": {}}});
    // Another qualified certificate with Erika's session id: as if there were no such session.
    let (status, _, body) = legacy_post(&max, &running.url, Some(&session), whoami.clone()).await;
    assert_eq!(status, 404, "{body}");
    let refused = running
        .audit
        .events()
        .into_iter()
        .find(|e| e.kind == EventKind::IdentityRefused)
        .expect("the refusal is audited");
    assert_eq!(refused.principal, "eidas:qc:DE:PNODE-987654321");
    assert!(
        refused
            .reason
            .unwrap_or_default()
            .contains("another principal")
    );
    // Erika still uses it.
    let (status, _, body) = legacy_post(&erika, &running.url, Some(&session), whoami).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("eidas:qc:DE:PNODE-123456789 high"), "{body}");
}
