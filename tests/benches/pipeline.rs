//! `tools/call` round trip of a trivial tool over an in-process duplex pipe: plain rmcp (with a
//! stored router, so it does not rebuild it per call) against the sigil pipeline (identify,
//! authorize, validate, audit in memory, envelope; no scanner), from one run.
//!
//! A third row, plain rmcp answering with a `_meta` of the envelope's size, separates the
//! pipeline's own cost from the client's cost of parsing the larger reply.
//!
//! `cargo bench -p sigil-tests --bench pipeline`

use std::time::{Duration, Instant};

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock, MetaObject};
use rmcp::service::RunningService;
use rmcp::{RoleClient, ServerHandler, ServiceExt, tool, tool_handler, tool_router};
use sigil::server::{Dangerous, SigilServer, ToolDef};
use sigil::tool::ToolSpec;
use sigil::{Caller, Risk, ToolOutput, TrustLevel};

#[derive(Debug, Clone)]
struct Plain {
    tool_router: ToolRouter<Self>,
}

#[tool_router(router = tool_router)]
impl Plain {
    /// Answers pong.
    #[tool(name = "ping")]
    async fn ping(&self) -> String {
        "pong".to_owned()
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Plain {}

#[derive(Debug, Clone)]
struct PlainWithMeta {
    tool_router: ToolRouter<Self>,
}

#[tool_router(router = tool_router)]
impl PlainWithMeta {
    /// Answers pong with an envelope-sized `_meta`.
    #[tool(name = "ping")]
    async fn ping(&self) -> CallToolResult {
        let mut r = CallToolResult::success(vec![ContentBlock::text("pong")]);
        let envelope = serde_json::json!({
            "scanned": false, "interceptions": 0, "audit_id": "12345", "decision": "allowed",
            "principal": "local:bench", "trust_level": "low"
        });
        let mut meta = serde_json::Map::new();
        meta.insert("org.sigil-protocol/envelope".into(), envelope);
        r.meta = Some(MetaObject(meta));
        r
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for PlainWithMeta {}

async fn client_for<S: ServerHandler>(server: S) -> RunningService<RoleClient, ()> {
    let (a, b) = tokio::io::duplex(1 << 16);
    tokio::spawn(async move {
        if let Ok(r) = server.serve(a).await {
            let _ = r.waiting().await;
        }
    });
    ().serve(b).await.expect("client connects")
}

async fn sample(client: &RunningService<RoleClient, ()>, n: usize, out: &mut Vec<Duration>) {
    for _ in 0..n {
        let t = Instant::now();
        let r = client
            .call_tool(CallToolRequestParams::new("ping"))
            .await
            .expect("call succeeds");
        out.push(t.elapsed());
        assert_eq!(r.is_error, Some(false));
    }
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort_unstable();
    v[((v.len() as f64 - 1.0) * p) as usize]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let plain = client_for(Plain {
            tool_router: Plain::tool_router(),
        })
        .await;
        let plain_meta = client_for(PlainWithMeta {
            tool_router: PlainWithMeta::tool_router(),
        })
        .await;
        let server = SigilServer::builder("bench", "1")
            .default_caller(Caller::local("bench", TrustLevel::Low))
            .tool(
                ToolDef::new(ToolSpec::new("ping", "Answers pong.", Risk::Low)),
                |_| async { Ok(ToolOutput::text("pong")) },
            )
            .dangerous(Dangerous::NoScanning)
            .dangerous(Dangerous::MemoryAudit)
            .build()
            .expect("server builds");
        let sigil = client_for(server).await;

        let (mut a, mut m, mut b) = (Vec::new(), Vec::new(), Vec::new());
        sample(&plain, 500, &mut Vec::new()).await; // warm up
        sample(&plain_meta, 500, &mut Vec::new()).await;
        sample(&sigil, 500, &mut Vec::new()).await;
        // Interleave batches so machine noise hits all alike.
        for _ in 0..20 {
            sample(&plain, 250, &mut a).await;
            sample(&plain_meta, 250, &mut m).await;
            sample(&sigil, 250, &mut b).await;
        }
        let (pa50, pa99) = (pct(&mut a, 0.50), pct(&mut a, 0.99));
        let (pm50, pm99) = (pct(&mut m, 0.50), pct(&mut m, 0.99));
        let (pb50, pb99) = (pct(&mut b, 0.50), pct(&mut b, 0.99));
        let ratio = |x: Duration, y: Duration| x.as_secs_f64() / y.as_secs_f64();
        println!(
            "tools/call round trip, in-process duplex, {} calls each",
            a.len()
        );
        println!("  plain rmcp (stored router):        p50 {pa50:>8.1?}  p99 {pa99:>8.1?}");
        println!("  plain rmcp, envelope-sized _meta:  p50 {pm50:>8.1?}  p99 {pm99:>8.1?}");
        println!("  sigil pipeline:                    p50 {pb50:>8.1?}  p99 {pb99:>8.1?}");
        println!(
            "  ratio sigil/plain:                 p50 {:>8.3}  p99 {:>8.3}",
            ratio(pb50, pa50),
            ratio(pb99, pa99)
        );
        println!(
            "  ratio sigil/plain with same reply: p50 {:>8.3}  p99 {:>8.3}",
            ratio(pb50, pm50),
            ratio(pb99, pm99)
        );
    });
}
