//! Streamable HTTP details found with curl and the MCP conformance suite, over real HTTP on
//! loopback: `DELETE` of a session that is not open gets `404`; SSE priming events (empty
//! `data:`) reach only clients that negotiated 2025-11-25 or later; a browser request from the
//! server's own origin passes the Origin check while other origins are still refused.

mod http_session_support;

use http_session_support::{Session, delete, initialize, serve};
use sigil_runtime::config::HttpConfig;

/// Whether an SSE body holds an event whose data is empty (a priming event).
fn has_priming(body: &str) -> bool {
    body.split("\n\n").any(|event| {
        event.lines().any(|l| l == "data:" || l == "data: ") && !event.contains("data: {")
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_of_an_unknown_or_ended_session_gets_404() {
    let served = serve(HttpConfig::default()).await;
    let http = reqwest::Client::new();
    assert_eq!(
        delete(&http, &served.url, "no-such-session", "2025-06-18").await,
        404
    );
    let session = Session::open(&http, &served.url, "2025-06-18")
        .await
        .session();
    assert_eq!(session.delete().await, 202);
    assert_eq!(session.delete().await, 404);
    assert_eq!(session.ping().await.0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn priming_events_go_only_to_clients_of_2025_11_25_or_later() {
    let served = serve(HttpConfig::default()).await;
    let http = reqwest::Client::new();
    for (version, primed) in [
        ("2025-03-26", false),
        ("2025-06-18", false),
        ("2025-11-25", true),
    ] {
        let session = Session::open(&http, &served.url, version).await.session();
        assert!(
            session
                .initialize_body
                .contains(&format!("\"protocolVersion\":\"{version}\"")),
            "negotiated {version}: {}",
            session.initialize_body
        );
        assert_eq!(
            has_priming(&session.initialize_body),
            primed,
            "{version}: {}",
            session.initialize_body
        );
        let (status, body) = session.ping().await;
        assert_eq!(status, 200);
        assert!(body.contains("pong"), "{version}: {body}");
        assert_eq!(has_priming(&body), primed, "{version}: {body}");
        // Every event an older client sees parses as JSON-RPC.
        if !primed {
            for data in body.lines().filter_map(|l| l.strip_prefix("data:")) {
                serde_json::from_str::<serde_json::Value>(data.trim())
                    .unwrap_or_else(|e| panic!("{version}: {data:?}: {e}"));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_own_origin_passes_and_foreign_origins_are_refused() {
    let served = serve(HttpConfig::default()).await;
    let http = reqwest::Client::new();
    let port = served.base.rsplit(':').next().unwrap();
    let status = |origin: Option<String>| {
        let (http, url) = (http.clone(), served.url.clone());
        async move {
            let mut request = http
                .post(&url)
                .header("accept", "application/json, text/event-stream")
                .header("content-type", "application/json")
                .body(initialize("2025-06-18").to_string());
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            request.send().await.unwrap().status().as_u16()
        }
    };
    assert_eq!(status(Some(served.base.clone())).await, 200, "own origin");
    assert_eq!(status(None).await, 200, "no Origin");
    for foreign in [
        "http://evil.example".to_owned(),
        format!("http://evil.example:{port}"),
        format!("https://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{}", port.parse::<u16>().unwrap() ^ 1),
        "null".to_owned(),
    ] {
        assert_eq!(status(Some(foreign.clone())).await, 403, "{foreign}");
    }
}
