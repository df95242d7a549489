//! Protocol errors as JSON-RPC says (issue #14): a hostile caller's bytes are answered with
//! `-32700`, `-32600` or `-32602`, over stdio (in process, through `serve_lines`) and over
//! Streamable HTTP on 127.0.0.1; the session keeps serving, and each refusal is audited without
//! its payload.

mod mcp_reply_support;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use sigil_runtime::audit::{AuditEvent, EventKind, MemoryAudit};
use sigil_runtime::identity::{Caller, TrustLevel};
use sigil_runtime::server::{Dangerous, SigilServer, ToolDef};
use sigil_runtime::tool::{Risk, ToolOutput, ToolSpec};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tokio_util::sync::CancellationToken;

/// A string that stands for whatever a caller puts in its payload: it must reach no record.
const PAYLOAD: &str = "sk-live-payload-4242";

const LIMIT: Duration = Duration::from_secs(10);

fn server(audit: &Arc<MemoryAudit>) -> SigilServer {
    SigilServer::builder("wire-test", "1.0")
        .tool(
            ToolDef::new(ToolSpec::new("echo", "Says hello.", Risk::Low)),
            |_call| async move { Ok(ToolOutput::text("hello")) },
        )
        .default_caller(Caller::local("ann", TrustLevel::Low))
        .audit(audit.clone())
        .dangerous(Dangerous::NoScanning)
        .dangerous(Dangerous::MemoryAudit)
        .build()
        .unwrap()
}

fn initialize(id: u32) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "wire-test", "version": "1"},
    }})
    .to_string()
}

/// The hostile messages, each with the code and id it must be answered with.
fn hostile() -> Vec<(&'static str, Vec<u8>, i64, Value)> {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    vec![
        (
            "invalid JSON",
            format!(r#"{{"jsonrpc":"2.0","id":3,"method":"{PAYLOAD}"#).into_bytes(),
            -32700,
            Value::Null,
        ),
        (
            "invalid UTF-8",
            {
                let mut bytes = format!(r#"{{"jsonrpc":"2.0","id":3,"method":"{PAYLOAD}"#).into_bytes();
                bytes.extend_from_slice(b"\xff\"}");
                bytes
            },
            -32700,
            Value::Null,
        ),
        ("10,000 nested arrays", deep.into_bytes(), -32700, Value::Null),
        (
            "tools/call with a numeric name",
            br#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":5}}"#.to_vec(),
            -32602,
            json!(4),
        ),
        (
            "tools/call with string arguments",
            format!(r#"{{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{{"name":"echo","arguments":"{PAYLOAD}"}}}}"#).into_bytes(),
            -32602,
            json!(5),
        ),
        (
            "duplicate argument keys",
            format!(r#"{{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{{"name":"echo","arguments":{{"to":"{PAYLOAD}","to":"x"}}}}}}"#).into_bytes(),
            -32602,
            json!(6),
        ),
        (
            "duplicate envelope keys",
            br#"{"jsonrpc":"2.0","id":7,"id":8,"method":"tools/list"}"#.to_vec(),
            -32600,
            Value::Null,
        ),
        (
            "a second initialize",
            initialize(9).into_bytes(),
            -32600,
            json!(9),
        ),
    ]
}

/// The refusals the trail holds; none repeats the payload.
fn rejections(audit: &MemoryAudit) -> Vec<AuditEvent> {
    let events = audit.events();
    for e in &events {
        assert!(
            !format!("{e:?}").contains(PAYLOAD),
            "payload in the trail: {e:?}"
        );
    }
    events
        .into_iter()
        .filter(|e| e.kind == EventKind::RequestRejected)
        .collect()
}

struct Stdio {
    to_server: DuplexStream,
    from_server: BufReader<DuplexStream>,
}

impl Stdio {
    async fn send(&mut self, line: &[u8]) {
        self.to_server.write_all(line).await.unwrap();
        self.to_server.write_all(b"\n").await.unwrap();
    }

    async fn reply(&mut self) -> Value {
        let mut line = String::new();
        tokio::time::timeout(LIMIT, self.from_server.read_line(&mut line))
            .await
            .expect("answered in time")
            .unwrap();
        serde_json::from_str(&line).unwrap()
    }
}

#[tokio::test]
async fn over_stdio_every_hostile_line_is_answered_and_the_session_keeps_serving() {
    let audit = Arc::new(MemoryAudit::new());
    let (client_write, server_read) = tokio::io::duplex(1 << 20);
    let (server_write, client_read) = tokio::io::duplex(1 << 20);
    let serving = tokio::spawn(server(&audit).serve_lines(server_read, server_write));
    let mut stdio = Stdio {
        to_server: client_write,
        from_server: BufReader::new(client_read),
    };

    // Before initialize: rmcp would ignore it, and later end with "connection closed".
    stdio.send(b"not json").await;
    let reply = stdio.reply().await;
    assert_eq!(reply["error"]["code"], -32700);
    assert_eq!(reply["id"], Value::Null);

    stdio.send(initialize(1).as_bytes()).await;
    assert_eq!(stdio.reply().await["id"], 1);
    stdio
        .send(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        .await;

    for (case, bytes, code, id) in hostile() {
        stdio.send(&bytes).await;
        let reply = stdio.reply().await;
        assert_eq!(reply["error"]["code"], code, "{case}: {reply}");
        assert_eq!(reply["id"], id, "{case}");
        // The next valid request still works.
        stdio
            .send(br#"{"jsonrpc":"2.0","id":100,"method":"tools/call","params":{"name":"echo","arguments":{}}}"#)
            .await;
        let reply = stdio.reply().await;
        assert_eq!(reply["id"], 100, "{case}: {reply}");
        assert_eq!(
            reply["result"]["content"][0]["text"], "hello",
            "{case}: {reply}"
        );
    }

    stdio
        .send(br#"{"jsonrpc":"2.0","id":11,"method":"tools/list","params":{"cursor":"c1"}}"#)
        .await;
    let reply = stdio.reply().await;
    assert_eq!(reply["error"]["code"], -32602, "{reply}");
    assert_eq!(reply["id"], 11);

    let refused = rejections(&audit);
    assert_eq!(refused.len(), 1 + hostile().len() + 1, "{refused:?}");
    assert!(
        refused
            .iter()
            .all(|e| e.decision.as_deref() == Some("refused"))
    );
    let deep = refused
        .iter()
        .find(|e| e.reason.as_deref().unwrap_or("").starts_with("too_deep"))
        .expect("the deep nesting is recorded");
    assert!(
        deep.reason.as_deref().unwrap().contains("20000 bytes"),
        "{deep:?}"
    );

    // The client leaves: the session ends cleanly.
    drop(stdio);
    tokio::time::timeout(LIMIT, serving)
        .await
        .expect("ends when the client closes")
        .unwrap()
        .unwrap();
}

struct Http {
    client: reqwest::Client,
    url: String,
}

impl Http {
    async fn post(&self, session: Option<&str>, body: Vec<u8>) -> (u16, Option<String>, Value) {
        let mut request = self
            .client
            .post(&self.url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(body);
        if let Some(id) = session {
            request = request
                .header("mcp-session-id", id)
                .header("mcp-protocol-version", "2025-11-25");
        }
        let response = tokio::time::timeout(LIMIT, request.send())
            .await
            .expect("answered in time")
            .unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let session = response
            .headers()
            .get("mcp-session-id")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = tokio::time::timeout(LIMIT, response.text())
            .await
            .expect("body in time")
            .unwrap();
        let message = mcp_reply_support::jsonrpc_message(&text).unwrap_or(Value::Null);
        let header = if status >= 400 { content_type } else { session };
        (status, header, message)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_every_hostile_body_gets_400_with_a_jsonrpc_error_and_the_session_keeps_serving()
{
    let audit = Arc::new(MemoryAudit::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http = Http {
        client: reqwest::Client::new(),
        url: format!("http://{}/mcp", listener.local_addr().unwrap()),
    };
    let cancel = CancellationToken::new();
    let serving = tokio::spawn(server(&audit).serve_http(listener, cancel.clone()));

    // Without a session, as rmcp answered with 415 and plain text.
    let (status, content_type, reply) = http.post(None, b"{\"jsonrpc\": nope".to_vec()).await;
    assert_eq!(status, 400);
    assert_eq!(content_type.as_deref(), Some("application/json"));
    assert_eq!(reply["error"]["code"], -32700);
    assert_eq!(reply["id"], Value::Null);

    let (status, session, reply) = http.post(None, initialize(1).into_bytes()).await;
    assert_eq!(status, 200, "{reply}");
    let session = session.expect("a stateful session");
    let (status, _, _) = http
        .post(
            Some(&session),
            br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_vec(),
        )
        .await;
    assert_eq!(status, 202);

    for (case, bytes, code, id) in hostile() {
        let (status, content_type, reply) = http.post(Some(&session), bytes).await;
        assert_eq!(status, 400, "{case}: {reply}");
        assert_eq!(content_type.as_deref(), Some("application/json"), "{case}");
        assert_eq!(reply["jsonrpc"], "2.0", "{case}");
        assert_eq!(reply["error"]["code"], code, "{case}: {reply}");
        assert_eq!(reply["id"], id, "{case}");
        let (status, _, reply) = http
            .post(
                Some(&session),
                br#"{"jsonrpc":"2.0","id":100,"method":"tools/call","params":{"name":"echo","arguments":{}}}"#.to_vec(),
            )
            .await;
        assert_eq!(status, 200, "{case}: {reply}");
        assert_eq!(
            reply["result"]["content"][0]["text"], "hello",
            "{case}: {reply}"
        );
    }

    let refused = rejections(&audit);
    assert_eq!(refused.len(), 1 + hostile().len(), "{refused:?}");
    assert!(
        refused
            .iter()
            .all(|e| e.reason.as_deref().unwrap().ends_with("(HTTP)")),
        "{refused:?}"
    );

    cancel.cancel();
    tokio::time::timeout(LIMIT, serving)
        .await
        .expect("stops when cancelled")
        .unwrap()
        .unwrap();
}
