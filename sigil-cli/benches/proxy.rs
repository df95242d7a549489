//! `echo` of `@modelcontextprotocol/server-everything` called directly and through
//! `sigil proxy` (the full pipeline: default scanner pack, durable signed audit log), over stdio,
//! 1,000 calls each with a 1 KB message, from one run: p50 and p99 of both and the difference,
//! and the proxy's resident memory with its one session open.
//!
//! Needs node and `npm ci --prefix tests/upstream`.
//! `cargo bench -p sigil-cli --bench proxy`

use std::path::Path;
use std::time::{Duration, Instant};

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::TokioChildProcess;

const CALLS: usize = 1000;
const WARM_UP: usize = 50;

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

async fn run(label: &str, command: tokio::process::Command) -> (Vec<Duration>, Option<u64>) {
    let transport = TokioChildProcess::new(command).expect("starts");
    let pid = transport.id();
    let client = ().serve(transport).await.expect("initializes");
    let message: String = "The quick brown fox jumps over the lazy dog. "
        .repeat(24)
        .chars()
        .take(1024)
        .collect();
    let mut args = serde_json::Map::new();
    args.insert("message".into(), message.into());
    let mut times = Vec::with_capacity(CALLS);
    for i in 0..WARM_UP + CALLS {
        let params = CallToolRequestParams::new("echo").with_arguments(args.clone());
        let t = Instant::now();
        let r = client.call_tool(params).await.expect("echo answers");
        let elapsed = t.elapsed();
        assert_ne!(r.is_error, Some(true), "{label}: {r:?}");
        if i >= WARM_UP {
            times.push(elapsed);
        }
    }
    let rss = pid.and_then(rss_kib);
    let _ = client.cancel().await;
    times.sort();
    (times, rss)
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let everything = root
        .join("tests/upstream/node_modules/@modelcontextprotocol/server-everything/dist/index.js");
    if !everything.exists() {
        eprintln!(
            "needs `npm ci --prefix tests/upstream` ({} is missing)",
            everything.display()
        );
        std::process::exit(2);
    }
    let home = tempfile::tempdir().expect("temp dir");
    let policy = home.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[upstream]\nenv = [\"PATH\"]\n[defaults]\nrisk = \"low\"\n",
    )
    .expect("policy");
    let node = || {
        let mut c = tokio::process::Command::new("node");
        c.arg(&everything)
            .arg("stdio")
            .stderr(std::process::Stdio::null());
        c
    };
    let proxy = || {
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_sigil"));
        c.arg("proxy")
            .arg("--config")
            .arg(&policy)
            .arg("--audit")
            .arg(home.path().join("audit"))
            .arg("--quiet")
            .arg("--")
            .arg("node")
            .arg(&everything)
            .arg("stdio")
            .env("XDG_DATA_HOME", home.path().join("data"))
            .stderr(std::process::Stdio::null());
        c
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (direct, _) = rt.block_on(run("direct", node()));
    let (proxied, rss) = rt.block_on(run("proxy", proxy()));
    println!("echo, 1 KB message, {CALLS} calls over stdio after {WARM_UP} to warm up:");
    for (label, t) in [("direct", &direct), ("sigil proxy", &proxied)] {
        println!(
            "  {label:<12} p50 {:>9.1?}  p99 {:>9.1?}",
            percentile(t, 0.50),
            percentile(t, 0.99)
        );
    }
    let diff =
        |q: f64| percentile(&proxied, q).as_secs_f64() - percentile(&direct, q).as_secs_f64();
    println!(
        "  added by the proxy: p50 {:+.3} ms, p99 {:+.3} ms (goal: at most 0.5 and 2 ms)",
        diff(0.50) * 1e3,
        diff(0.99) * 1e3
    );
    if let Some(kib) = rss {
        println!(
            "  the proxy's resident memory with its one stdio session: {:.1} MiB",
            kib as f64 / 1024.0
        );
    }
}
