//! Replicas on shared state: calls per second and p50/p99 of a low-risk call and of a
//! rate-limited call, for one replica with state in memory, one replica on Redis, and two
//! replicas on Redis, from one run; with the Redis round trips each call costs, read off the
//! server's `INFO commandstats` (so nothing of ours counts them): the commands a client sends,
//! not those the rate-limit script runs inside Redis.
//!
//! Each replica is this binary re-run as a server (`replicas serve ...`), a separate process
//! with the full pipeline: default scanner pack, a durable signed audit log of its own, keys
//! from one key directory. The load is 2026-07-28 `tools/call` requests over HTTP from 16
//! concurrent clients, sent round-robin to the replicas. Scenarios are interleaved and
//! repeated, and the ratio of two replicas to one is given per run (paired).
//!
//! Needs Debian's `redis-server`. `cargo bench -p sigil-tests --bench replicas`
//! (`SIGIL_BENCH_SECS`, default 3 s per measurement; `SIGIL_BENCH_RUNS`, default 3).

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use sigil::audit::AuditKeys;
use sigil::server::{KeyDir, SigilServer, ToolDef};
use sigil::state::{MemoryState, RedisOptions, RedisState, SharedState};
use sigil::tool::{Rate, ToolSpec};
use sigil::{Caller, Risk, ToolOutput, TrustLevel};

const CLIENTS: usize = 16;

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `replicas serve PORT STATE KEYS DATA`: one replica. STATE is `memory` or a Redis URL.
fn serve(args: &[String]) {
    let [port, state, keys, data] = args else {
        panic!("usage: replicas serve PORT STATE KEYS DATA");
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let state: SharedState = if state == "memory" {
            Arc::new(MemoryState::new())
        } else {
            Arc::new(RedisState::connect(state, RedisOptions::default()).unwrap())
        };
        let rate = Rate::parse("1000000/min").unwrap();
        let server = SigilServer::builder("replicas-bench", "1")
            .tool(
                ToolDef::new(ToolSpec::new("ping", "Answers pong.", Risk::Low)),
                |_| async { Ok(ToolOutput::text("pong")) },
            )
            .tool(
                ToolDef::new(
                    ToolSpec::new("limited", "Answers pong, rate-limited.", Risk::Low).rate(rate),
                ),
                |_| async { Ok(ToolOutput::text("pong")) },
            )
            .default_caller(Caller::local("bench", TrustLevel::Low))
            .state(state)
            .keys(KeyDir::open(keys).unwrap())
            .data_dir(data)
            .quiet(true)
            .build()
            .unwrap();
        server
            .serve_http_on((Ipv4Addr::LOCALHOST, port.parse::<u16>().unwrap()).into())
            .await
            .unwrap();
    });
}

fn call_body(tool: &str, id: u64) -> String {
    json!({
        "jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": tool, "arguments": {}, "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "replicas-bench", "version": "1"},
        }}
    })
    .to_string()
}

struct Measured {
    calls_per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    redis_round_trips_per_call: Option<f64>,
}

/// CLIENTS concurrent clients call `tool` round-robin over `urls` for `secs`.
async fn load(urls: &[String], tool: &str, secs: f64) -> (usize, Vec<Duration>) {
    let client = reqwest::Client::new();
    let until = Instant::now() + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let client = client.clone();
        let urls = urls.to_vec();
        let tool = tool.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = c;
            while Instant::now() < until {
                let url = &urls[n % urls.len()];
                n += 1;
                let started = Instant::now();
                let reply = client
                    .post(url)
                    .header("accept", "application/json, text/event-stream")
                    .header("content-type", "application/json")
                    .header("mcp-protocol-version", "2026-07-28")
                    .header("mcp-method", "tools/call")
                    .header("mcp-name", &tool)
                    .body(call_body(&tool, n as u64))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                assert!(reply.contains("pong"), "{reply}");
                latencies.push(started.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    (all.len(), all)
}

/// The commands SIGIL's client sends, each one round trip (a `MULTI` pipeline ends in one
/// `EXEC`); `TIME`, `HMGET`, `HSET` and `PEXPIRE` run inside the rate-limit script.
const CLIENT_COMMANDS: [&str; 6] = ["evalsha", "eval", "script|load", "get", "set", "exec"];

fn redis_round_trips(port: u16) -> u64 {
    let out = Command::new("redis-cli")
        .args(["-p", &port.to_string(), "info", "commandstats"])
        .output()
        .expect("redis-cli");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (name, stats) = l.strip_prefix("cmdstat_")?.split_once(':')?;
            CLIENT_COMMANDS.contains(&name).then_some(())?;
            stats
                .split("calls=")
                .nth(1)?
                .split(',')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

fn measure(
    rt: &tokio::runtime::Runtime,
    urls: &[String],
    tool: &str,
    redis: Option<u16>,
    secs: f64,
) -> Measured {
    rt.block_on(load(urls, tool, 0.3)); // warm up
    let before = redis.map(redis_round_trips);
    let started = Instant::now();
    let (calls, mut latencies) = rt.block_on(load(urls, tool, secs));
    let elapsed = started.elapsed().as_secs_f64();
    let after = redis.map(redis_round_trips);
    latencies.sort_unstable();
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize].as_secs_f64() * 1e3;
    Measured {
        calls_per_sec: calls as f64 / elapsed,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        redis_round_trips_per_call: before
            .zip(after)
            .map(|(b, a)| (a - b) as f64 / calls as f64),
    }
}

fn start_replica(dir: &Path, name: &str, state: &str) -> (Killed, String) {
    let port = free_port();
    let data = dir.join(name);
    std::fs::create_dir_all(&data).unwrap();
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["serve", &port.to_string(), state])
        .arg(dir.join("keys"))
        .arg(&data)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_port(port);
    (Killed(child), format!("http://127.0.0.1:{port}/mcp"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve") {
        return serve(&args[1..]);
    }
    let secs: f64 = std::env::var("SIGIL_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let runs: usize = std::env::var("SIGIL_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let dir = tempfile::tempdir().unwrap();
    AuditKeys::generate()
        .unwrap()
        .write_to(&dir.path().join("keys"), false)
        .unwrap();
    KeyDir::add_generation(dir.path().join("keys")).unwrap();
    let redis_port = free_port();
    let _redis = Killed(
        Command::new("redis-server")
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                &redis_port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (apt install redis-server)"),
    );
    wait_port(redis_port);
    let redis_url = format!("redis://127.0.0.1:{redis_port}/0");
    let rt = tokio::runtime::Runtime::new().unwrap();

    println!(
        "replicas: {CLIENTS} clients, {secs} s per row, {runs} runs; 2026-07-28 tools/call over HTTP"
    );
    println!(
        "{:<28} {:>8} {:>10} {:>8} {:>8} {:>14}",
        "setup", "tool", "calls/s", "p50 ms", "p99 ms", "redis RT/call"
    );
    let mut ratios: Vec<(f64, f64)> = Vec::new();
    for run in 1..=runs {
        println!("-- run {run}");
        let mut per_setup = Vec::new();
        for (setup, replicas, state) in [
            ("1 replica, memory", 1, "memory".to_owned()),
            ("1 replica, Redis", 1, redis_url.clone()),
            ("2 replicas, Redis", 2, redis_url.clone()),
        ] {
            let started: Vec<_> = (0..replicas)
                .map(|i| {
                    start_replica(
                        dir.path(),
                        &format!("r{run}-{setup}-{i}").replace([' ', ','], "_"),
                        &state,
                    )
                })
                .collect();
            let urls: Vec<String> = started.iter().map(|(_, u)| u.clone()).collect();
            let redis = (state != "memory").then_some(redis_port);
            let mut rows = Vec::new();
            for tool in ["ping", "limited"] {
                let m = measure(&rt, &urls, tool, redis, secs);
                let cmds = m
                    .redis_round_trips_per_call
                    .map_or("-".to_owned(), |c| format!("{c:.2}"));
                println!(
                    "{setup:<28} {tool:>8} {:>10.0} {:>8.2} {:>8.2} {cmds:>14}",
                    m.calls_per_sec, m.p50_ms, m.p99_ms
                );
                rows.push(m.calls_per_sec);
            }
            per_setup.push(rows);
            drop(started);
        }
        ratios.push((
            per_setup[2][0] / per_setup[1][0],
            per_setup[2][1] / per_setup[1][1],
        ));
    }
    println!("-- two replicas / one replica on Redis, calls/s, per run (paired):");
    for (i, (ping, limited)) in ratios.iter().enumerate() {
        println!("   run {}: ping {ping:.2}x, limited {limited:.2}x", i + 1);
    }
    println!(
        "   machine: {} cores shared by the replicas, the load generator and Redis",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
}
