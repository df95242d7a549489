//! `bank`: the SIGIL example server. Four tools of rising risk (see `src/lib.rs`); every call
//! is identified, gated by trust, confirmed by a human where the tool says so, scanned, and
//! recorded in a signed audit log.
//!
//! ```text
//! cargo run -p sigil-examples --bin bank                            # stdio
//! cargo run -p sigil-examples --bin bank -- --trust high            # the local user's trust
//! cargo run -p sigil-examples --bin bank -- --http 127.0.0.1:8080   # Streamable HTTP at /mcp
//! cargo run -p sigil-examples --bin bank -- --http 127.0.0.1:8081 \
//!     --state redis://127.0.0.1:6379 --keys ./keys                   # one replica of several
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use sigil::prelude::*;
use sigil::server::KeyDir;
use sigil::state::{RedisOptions, RedisState};
use sigil_examples::Bank;

/// The SIGIL example bank: an MCP server with four tools of rising risk.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Serve Streamable HTTP at http://ADDR/mcp instead of one session on stdio.
    #[arg(long, value_name = "ADDR")]
    http: Option<SocketAddr>,
    /// The local user's trust level: low, medium or high.
    #[arg(long, value_name = "LEVEL", default_value = "low", value_parser = trust)]
    trust: TrustLevel,
    /// Print no start-up banner.
    #[arg(long)]
    quiet: bool,
    /// Share rate limits, approvals and vault records with other replicas in this Redis
    /// (redis://[:PASSWORD@]HOST:PORT or rediss:// for TLS).
    #[arg(
        long,
        value_name = "URL",
        requires = "keys",
        env = "SIGIL_STATE_URL",
        hide_env_values = true
    )]
    state: Option<String>,
    /// For rediss://: the CA certificates (PEM) to trust instead of the system's.
    #[arg(long, value_name = "FILE", requires = "state")]
    state_ca: Option<PathBuf>,
    /// The key directory every replica reads (made by `sigil keygen --out DIR`).
    #[arg(long, value_name = "DIR")]
    keys: Option<PathBuf>,
    /// A sigil.toml that tightens the tools or sets `[http]` (the host names a load balancer
    /// sends) and `[state]`.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    // Logs go to stderr (stdout carries MCP on stdio). rmcp's own warnings repeat client text
    // unscanned, so rmcp is kept to errors; SIGIL logs every refusal once, scanned.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter("warn,rmcp=error")
        .init();
    let user = std::env::var("USER").unwrap_or_else(|_| "operator".into());
    // Safe by default: scanning with the default rule pack, and a signed audit log in
    // ~/.local/share/sigil (see `sigil audit verify`).
    let mut builder = SigilServer::for_service(Bank::new())
        .default_caller(Caller::local(user, args.trust))
        .quiet(args.quiet);
    if let Some(path) = &args.config {
        match sigil::config::SigilConfig::load(path) {
            Ok(config) => builder = builder.config(config),
            Err(e) => return fail(e),
        }
    }
    // Several replicas: the keys from one directory, the state in one Redis.
    if let Some(dir) = &args.keys {
        match KeyDir::open(dir) {
            Ok(keys) => builder = builder.keys(keys),
            Err(e) => return fail(e),
        }
    }
    if let Some(url) = &args.state {
        let options = RedisOptions {
            ca_file: args.state_ca.clone(),
            ..RedisOptions::default()
        };
        match RedisState::connect(url, options) {
            Ok(state) => builder = builder.state(Arc::new(state)),
            Err(e) => return fail(e),
        }
    }
    let built = builder.build();
    let served = match built {
        Ok(server) => match args.http {
            Some(addr) => server.serve_http_on(addr).await,
            None => server.serve_stdio().await,
        },
        Err(e) => Err(std::io::Error::other(e.to_string())),
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("bank: {e}");
    ExitCode::FAILURE
}

fn trust(s: &str) -> Result<TrustLevel, String> {
    TrustLevel::parse(s)
        .filter(|t| *t != TrustLevel::Unauthenticated)
        .ok_or_else(|| format!("`{s}` is not low, medium or high"))
}
