//! A legacy (session) MCP client over Streamable HTTP, spoken with plain HTTP requests, and a
//! small server to talk to; shared by the HTTP session tests.

#![allow(dead_code, unreachable_pub)]

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use sigil_runtime::audit::MemoryAudit;
use sigil_runtime::config::{HttpConfig, SigilConfig};
use sigil_runtime::identity::{Caller, TrustLevel};
use sigil_runtime::server::{Dangerous, SigilServer, ToolDef};
use sigil_runtime::tool::{Risk, ToolOutput, ToolSpec};
use tokio_util::sync::CancellationToken;

/// A served `ping` server; stops when dropped.
pub struct Served {
    pub base: String,
    pub url: String,
    pub audit: Arc<MemoryAudit>,
    cancel: CancellationToken,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// A server with one low-risk tool `ping` (every caller `local:tester` at Low), with this HTTP configuration, on a free loopback port.
pub async fn serve(http: HttpConfig) -> Served {
    let audit = Arc::new(MemoryAudit::new());
    let server = SigilServer::builder("session-test", "1.0")
        .tool(
            ToolDef::new(ToolSpec::new("ping", "Answers pong.", Risk::Low)),
            |_call| async move { Ok(ToolOutput::text("pong")) },
        )
        .default_caller(Caller::local("tester", TrustLevel::Low))
        .audit(audit.clone())
        .config(SigilConfig {
            http,
            ..SigilConfig::default()
        })
        .dangerous(Dangerous::NoScanning)
        .dangerous(Dangerous::MemoryAudit)
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let cancel = CancellationToken::new();
    tokio::spawn(server.serve_http(listener, cancel.clone()));
    Served {
        url: format!("{base}/mcp"),
        base,
        audit,
        cancel,
    }
}

/// An HTTP client whose connections leave from `address` (any address of 127.0.0.0/8).
pub fn client_from(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// The `initialize` request of a client speaking `version`.
pub fn initialize(version: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": version,
        "capabilities": {},
        "clientInfo": {"name": "session-test", "version": "1"},
    }})
}

/// POSTs `body` to `url` as an MCP client does, within 10 s.
pub async fn post(
    http: &reqwest::Client,
    url: &str,
    session: Option<(&str, &str)>,
    body: &Value,
) -> reqwest::Response {
    let mut request = http
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some((id, version)) = session {
        request = request
            .header("mcp-session-id", id)
            .header("mcp-protocol-version", version);
    }
    tokio::time::timeout(Duration::from_secs(10), request.send())
        .await
        .expect("answered within 10 s")
        .unwrap()
}

/// An open session.
pub struct Session {
    pub http: reqwest::Client,
    pub url: String,
    pub id: String,
    pub version: String,
    /// The body of the `initialize` response, as sent.
    pub initialize_body: String,
}

/// What an `initialize` got: a session, or the refusal's status, `Retry-After` and body.
pub enum Opened {
    Session(Session),
    Refused {
        status: u16,
        retry_after: Option<String>,
        session_header: bool,
        body: String,
    },
}

impl Opened {
    pub fn session(self) -> Session {
        match self {
            Self::Session(s) => s,
            Self::Refused { status, body, .. } => panic!("refused: {status} {body}"),
        }
    }
}

impl Session {
    /// Sends `initialize` (and, when answered, `notifications/initialized`) for `version`.
    pub async fn open(http: &reqwest::Client, url: &str, version: &str) -> Opened {
        let response = post(http, url, None, &initialize(version)).await;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let (id, retry_after) = (header("mcp-session-id"), header("retry-after"));
        let body = response.text().await.unwrap();
        let (200, Some(id)) = (status, id.clone()) else {
            return Opened::Refused {
                status,
                retry_after,
                session_header: id.is_some(),
                body,
            };
        };
        let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let status = post(http, url, Some((&id, version)), &initialized)
            .await
            .status();
        assert!(status.is_success(), "{status}");
        Opened::Session(Self {
            http: http.clone(),
            url: url.to_owned(),
            id,
            version: version.to_owned(),
            initialize_body: body,
        })
    }

    /// Calls `ping`: the status and the raw body.
    pub async fn ping(&self) -> (u16, String) {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "ping", "arguments": {}}});
        let response = post(
            &self.http,
            &self.url,
            Some((&self.id, &self.version)),
            &body,
        )
        .await;
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// Ends the session: the `DELETE` status.
    pub async fn delete(&self) -> u16 {
        delete(&self.http, &self.url, &self.id, &self.version).await
    }
}

/// `DELETE` of session `id`: the status.
pub async fn delete(http: &reqwest::Client, url: &str, id: &str, version: &str) -> u16 {
    http.delete(url)
        .header("mcp-session-id", id)
        .header("mcp-protocol-version", version)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}
