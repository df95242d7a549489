//! The caps on open Streamable HTTP sessions, over real HTTP on loopback: a small server (3
//! sessions in total, 2 per address) refuses the next `initialize` with `503`, `Retry-After` and a
//! JSON-RPC error, opens no session for it and audits it; an ended or idle session gives its slot
//! back; sessions already open keep working. Clients at 127.0.0.1 and 127.0.0.2 are two addresses.

mod http_session_support;

use std::time::Duration;

use http_session_support::{Opened, Session, client_from, serve};
use serde_json::Value;
use sigil_runtime::audit::EventKind;
use sigil_runtime::config::HttpConfig;

const VERSION: &str = "2025-06-18";

fn small(idle_secs: u64) -> HttpConfig {
    HttpConfig {
        max_sessions: 3,
        max_sessions_per_address: 2,
        session_idle_secs: idle_secs,
        ..HttpConfig::default()
    }
}

/// Asserts `opened` is the cap's refusal and returns its JSON-RPC error.
fn refused(opened: Opened) -> Value {
    let Opened::Refused {
        status,
        retry_after,
        session_header,
        body,
    } = opened
    else {
        panic!("a session was opened over the cap");
    };
    assert_eq!(status, 503, "{body}");
    let seconds: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&seconds), "{seconds}");
    assert!(!session_header, "no session for a refused initialize");
    let message: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(message["jsonrpc"], "2.0");
    assert_eq!(message["id"], Value::Null);
    assert_eq!(message["error"]["code"], -32083, "{message}");
    assert_eq!(message["error"]["data"]["reason"], "rate_limited");
    message["error"].clone()
}

fn session_refusals(served: &http_session_support::Served) -> Vec<String> {
    served
        .audit
        .events()
        .into_iter()
        .filter(|e| e.kind == EventKind::Session && e.decision.as_deref() == Some("refused"))
        .map(|e| e.reason.unwrap_or_default())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_caps_initialize_gets_503_and_an_ended_session_frees_its_slot() {
    let served = serve(small(300)).await;
    let (one, two) = (client_from("127.0.0.1"), client_from("127.0.0.2"));
    let a = Session::open(&one, &served.url, VERSION).await.session();
    let b = Session::open(&one, &served.url, VERSION).await.session();

    // A third from the same address is over its cap of 2.
    let error = refused(Session::open(&one, &served.url, VERSION).await);
    assert!(
        error["message"].as_str().unwrap().contains("this address"),
        "{error}"
    );
    assert_eq!(session_refusals(&served).len(), 1, "audited once");

    // Another address gets the last of the 3, then meets the total cap.
    let c = Session::open(&two, &served.url, VERSION).await.session();
    let error = refused(Session::open(&two, &served.url, VERSION).await);
    assert!(
        error["message"].as_str().unwrap().contains("the server"),
        "{error}"
    );
    assert_eq!(session_refusals(&served).len(), 2);

    // The open sessions keep working while the server is full.
    for session in [&a, &b, &c] {
        let (status, body) = session.ping().await;
        assert_eq!(status, 200);
        assert!(body.contains("pong"), "{body}");
    }

    // Ending one gives its slot back, to its address.
    assert_eq!(a.delete().await, 202);
    assert_eq!(a.ping().await.0, 404);
    let d = Session::open(&one, &served.url, VERSION).await.session();
    assert!(d.ping().await.1.contains("pong"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_is_closed_and_frees_its_slot() {
    let served = serve(small(1)).await;
    let one = client_from("127.0.0.1");
    let idle = Session::open(&one, &served.url, VERSION).await.session();
    let busy = Session::open(&one, &served.url, VERSION).await.session();
    refused(Session::open(&one, &served.url, VERSION).await);

    // `busy` is used every 400 ms, `idle` not at all, for 2.4 s (the idle timeout is 1 s).
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(busy.ping().await.1.contains("pong"));
    }
    assert_eq!(idle.ping().await.0, 404, "the idle session was closed");
    let fresh = Session::open(&one, &served.url, VERSION).await.session();
    assert!(fresh.ping().await.1.contains("pong"));
    // Two open again (busy, fresh): the cap still holds.
    refused(Session::open(&one, &served.url, VERSION).await);
}
