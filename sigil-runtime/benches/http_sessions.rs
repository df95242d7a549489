//! Memory held by Streamable HTTP sessions, printed from one run: 10,000 `initialize` requests
//! (no `initialized`, no calls: what a hostile caller sends) against a server in this process on
//! loopback, from 50 client addresses (127.0.1.1-50), 16 at a time. Twice: with the default caps
//! (1000 sessions, 64 per address), then with caps raised to 10,000 as the baseline of an
//! uncapped server. Prints the resident set (VmRSS of this process: server and clients) before,
//! at the peak and after the sessions ended (deleted, or idle-expired in the baseline), and how
//! many `initialize` requests the caps refused. The baseline runs four times, each on a fresh
//! server after the previous one's sessions idled out: glibc keeps freed memory in its heap, so
//! RSS hardly drops when sessions end, and the later runs show whether that memory is reused
//! (each run's growth shrinking towards 0) or lost (the same growth every run).
//!
//! `cargo bench -p sigil-runtime --bench http_sessions`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use sigil_runtime::config::{HttpConfig, SigilConfig};
use sigil_runtime::identity::{Caller, TrustLevel};
use sigil_runtime::server::{Dangerous, SigilServer, ToolDef};
use sigil_runtime::tool::{Risk, ToolOutput, ToolSpec};
use tokio_util::sync::CancellationToken;

const REQUESTS: usize = 10_000;
const ADDRESSES: usize = 50;
const IN_FLIGHT: usize = 16;

/// This process's resident set in KiB (`VmRSS` of `/proc/self/status`).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

async fn serve(http: HttpConfig) -> (String, CancellationToken) {
    let server = SigilServer::builder("session-bench", "1.0")
        .tool(
            ToolDef::new(ToolSpec::new("ping", "Answers pong.", Risk::Low)),
            |_call| async move { Ok(ToolOutput::text("pong")) },
        )
        .default_caller(Caller::local("bench", TrustLevel::Low))
        .config(SigilConfig {
            http,
            ..SigilConfig::default()
        })
        .dangerous(Dangerous::NoScanning)
        .dangerous(Dangerous::MemoryAudit)
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let cancel = CancellationToken::new();
    tokio::spawn(server.serve_http(listener, cancel.clone()));
    (url, cancel)
}

/// Sends the initialize requests; returns the session ids opened and how many were refused
/// with 503.
async fn open_sessions(url: &str) -> (Vec<(usize, String)>, usize) {
    let clients: Arc<Vec<reqwest::Client>> = Arc::new(
        (1..=ADDRESSES)
            .map(|i| {
                reqwest::Client::builder()
                    .local_address(std::net::IpAddr::from([127, 0, 1, i as u8]))
                    .build()
                    .unwrap()
            })
            .collect(),
    );
    let body = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "session-bench", "version": "1"}}})
    .to_string();
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..IN_FLIGHT {
        let (clients, next, url, body) =
            (clients.clone(), next.clone(), url.to_owned(), body.clone());
        workers.push(tokio::spawn(async move {
            let (mut opened, mut refused) = (Vec::new(), 0);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= REQUESTS {
                    return (opened, refused);
                }
                let client = i % ADDRESSES;
                let response = clients[client]
                    .post(&url)
                    .header("accept", "application/json, text/event-stream")
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let id = response
                    .headers()
                    .get("mcp-session-id")
                    .map(|v| v.to_str().unwrap().to_owned());
                let _ = response.bytes().await;
                match (status, id) {
                    (200, Some(id)) => opened.push((client, id)),
                    (503, _) => refused += 1,
                    (status, _) => panic!("initialize answered {status}"),
                }
            }
        }));
    }
    let (mut opened, mut refused) = (Vec::new(), 0);
    for worker in workers {
        let (o, r) = worker.await.unwrap();
        opened.extend(o);
        refused += r;
    }
    (opened, refused)
}

async fn delete_sessions(url: &str, opened: &[(usize, String)]) {
    let http = reqwest::Client::new();
    for (_, id) in opened {
        let status = http
            .delete(url)
            .header("mcp-session-id", id)
            .header("mcp-protocol-version", "2025-06-18")
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 202);
    }
}

/// Whether `id` is still a session (a DELETE of an ended one gets 404).
async fn still_open(url: &str, id: &str) -> bool {
    let status = reqwest::Client::new()
        .delete(url)
        .header("mcp-session-id", id)
        .header("mcp-protocol-version", "2025-06-18")
        .send()
        .await
        .unwrap()
        .status();
    status != 404
}

struct Phase {
    name: &'static str,
    opened: usize,
    refused: usize,
    before: u64,
    peak: u64,
    after: u64,
    seconds: f64,
}

async fn run(name: &'static str, http: HttpConfig, expire: bool) -> Phase {
    let idle = Duration::from_secs(http.session_idle_secs);
    let (url, cancel) = serve(http).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = rss_kib();
    let start = Instant::now();
    let (opened, refused) = open_sessions(&url).await;
    let seconds = start.elapsed().as_secs_f64();
    let peak = rss_kib();
    if expire {
        tokio::time::sleep(idle + Duration::from_secs(2)).await;
        if let Some((_, id)) = opened.first() {
            assert!(!still_open(&url, id).await, "an idle session expired");
        }
    } else {
        delete_sessions(&url, &opened).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss_kib();
    cancel.cancel();
    Phase {
        name,
        opened: opened.len(),
        refused,
        before,
        peak,
        after,
        seconds,
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let ours = run("capped (defaults), then DELETE", HttpConfig::default(), false).await;
        let uncapped = || HttpConfig {
            max_sessions: REQUESTS,
            max_sessions_per_address: REQUESTS,
            session_idle_secs: 3,
            ..HttpConfig::default()
        };
        let baseline = run("baseline (caps 10,000), idle 3 s", uncapped(), true).await;
        let mut again = Vec::new();
        for name in ["baseline run 2", "baseline run 3", "baseline run 4"] {
            again.push(run(name, uncapped(), true).await);
        }
        println!(
            "{REQUESTS} initialize from {ADDRESSES} loopback addresses, {IN_FLIGHT} in flight; VmRSS of this process (server and clients)"
        );
        println!(
            "{:<34} {:>7} {:>8} {:>10} {:>10} {:>10} {:>10} {:>7}",
            "phase", "opened", "refused", "before MiB", "peak MiB", "after MiB", "growth MiB", "secs"
        );
        for p in [&ours, &baseline].into_iter().chain(&again) {
            println!(
                "{:<34} {:>7} {:>8} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>7.1}",
                p.name,
                p.opened,
                p.refused,
                mib(p.before),
                mib(p.peak),
                mib(p.after),
                mib(p.peak.saturating_sub(p.before)),
                p.seconds
            );
        }
        let growth = |p: &Phase| p.peak.saturating_sub(p.before).max(1) as f64;
        println!(
            "peak growth, baseline / capped: {:.1}x; per open session in the baseline: {:.1} KiB",
            growth(&baseline) / growth(&ours),
            growth(&baseline) / baseline.opened.max(1) as f64
        );
        let growths: Vec<String> = [&baseline]
            .into_iter()
            .chain(&again)
            .map(|p| format!("{:.0}", mib(p.peak.saturating_sub(p.before))))
            .collect();
        println!(
            "baseline growth per run, MiB: {} (shrinking: ended sessions' memory is reused; constant: lost)",
            growths.join(", ")
        );
    });
}
