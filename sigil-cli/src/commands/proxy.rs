//! `sigil proxy [--config POLICY] [--audit DIR] [--trust LEVEL] [--http ADDR] -- CMD [ARGS...]`:
//! the SIGIL pipeline in front of an existing MCP server that speaks stdio, in any language.
//!
//! The upstream is started as a child process with an explicit environment: only the variables
//! the policy's `[upstream] env` names pass. Its tools are listed once, at start (every page),
//! and each one the policy leaves visible is registered as a SIGIL tool with the upstream's own
//! input and output schemas. A call then goes through the same pipeline as a macro-built
//! server's (identity, trust gate, rate limit, schema validation, vault pointers, confirmation,
//! scanning of arguments and results, audit, envelope) before it is forwarded upstream, and the
//! upstream's result comes back through the scanner: no security rule is written a second time
//! here. Downstream is stdio, for a desktop client's config (put `sigil proxy --` in front of
//! the command it already has), or Streamable HTTP on loopback with `--http`, in both protocol
//! eras.
//!
//! A tool whose definition holds invisible or control characters is not listed, and text that
//! reads like instructions is reported on stderr (see `proxy_lint.rs`).
//!
//! Not yet (issue 15): an HTTP upstream, identity over HTTP, pinning of tool definitions,
//! `list_changed`, prompts, resources, progress, cancellation, server-to-client requests.
//! Content other than text and structured content (images, audio, embedded binary resources)
//! is not forwarded: the client gets a line saying what was withheld.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock, ResourceContents};
use rmcp::service::{Peer, RoleClient};
use rmcp::transport::TokioChildProcess;
use serde_json::Value;
use sigil_runtime::identity::{Caller, TrustLevel};
use sigil_runtime::server::{SigilServer, ToolDef};
use sigil_runtime::tool::{GatedCall, ToolError, ToolOutput};

use super::proxy_lint::{lint, report};
use super::proxy_policy::{Decision, Policy};

/// Put the SIGIL pipeline in front of an MCP server that speaks stdio.
#[derive(Debug, Parser)]
#[command(name = "sigil proxy", bin_name = "sigil proxy")]
pub(crate) struct Args {
    /// Policy file (TOML): tool risks, visibility, the upstream's environment
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Directory for the signed audit log and the keys [default: the data directory]
    #[arg(long, value_name = "DIR")]
    audit: Option<PathBuf>,
    /// Trust of the local user on stdio: low, medium or high
    #[arg(long, value_name = "LEVEL", default_value = "medium")]
    trust: String,
    /// Serve Streamable HTTP at http://ADDR/mcp instead of stdio (loopback addresses only: the
    /// caller is the local user, as on stdio)
    #[arg(long, value_name = "ADDR")]
    http: Option<std::net::SocketAddr>,
    /// No start-up banner on stderr
    #[arg(long)]
    quiet: bool,
    /// The upstream server's command and its arguments, after `--`
    #[arg(last = true, required = true, value_name = "CMD")]
    command: Vec<OsString>,
}

pub(crate) fn run(args: Vec<OsString>) -> ExitCode {
    let args: Args = match super::parse(args) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let policy = match &args.config {
        None => Policy::default(),
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| Policy::parse(&t))
        {
            Ok(p) => p,
            Err(e) => {
                eprintln!("sigil proxy: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
    };
    if let Some(addr) = args.http
        && !addr.ip().is_loopback()
    {
        eprintln!(
            "sigil proxy: --http {addr}: only loopback addresses (127.0.0.1, ::1), since every \
             caller is the local user"
        );
        return ExitCode::from(2);
    }
    let Some(trust) = TrustLevel::parse(&args.trust) else {
        eprintln!(
            "sigil proxy: --trust `{}` is not low, medium or high",
            args.trust
        );
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sigil proxy: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(serve(args, policy, trust)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sigil proxy: {e}");
            ExitCode::from(1)
        }
    }
}

async fn serve(args: Args, policy: Policy, trust: TrustLevel) -> Result<(), String> {
    let (program, rest) = args.command.split_first().ok_or("no upstream command")?;
    let mut command = tokio::process::Command::new(program);
    command.args(rest).env_clear();
    for name in policy.upstream_env() {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
        }
    }
    let shown = program.to_string_lossy().into_owned();
    let transport =
        TokioChildProcess::new(command).map_err(|e| format!("cannot start `{shown}`: {e}"))?;
    let upstream = ().serve(transport).await.map_err(|e| {
        format!(
            "`{shown}` did not start an MCP session: {e} (it gets only the environment \
                 variables that the policy's [upstream] env lists: {:?}; many servers need PATH \
                 and HOME)",
            policy.upstream_env()
        )
    })?;
    let tools = upstream
        .list_all_tools()
        .await
        .map_err(|e| format!("`{shown}` did not list its tools: {e}"))?;
    let (name, version) = upstream
        .peer_info()
        .and_then(|i| i.server_info.clone())
        .map(|i| (i.name, i.version))
        .unwrap_or_else(|| (shown.clone(), String::new()));
    let peer = Arc::new(upstream.peer().clone());
    let user = std::env::var("USER").unwrap_or_else(|_| "operator".into());
    let mut builder = SigilServer::builder(format!("sigil proxy: {name}"), version)
        .default_caller(Caller::local(user, trust))
        .quiet(args.quiet);
    if let Some(dir) = &args.audit {
        builder = builder.data_dir(dir);
    }
    let names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    for tool in tools {
        let Decision::Visible(spec) = policy.decide(&tool) else {
            continue;
        };
        // Tool poisoning: a definition with hidden characters is not listed (see proxy_lint.rs).
        let findings = lint(&tool, &names);
        if let Some(line) = report(&tool, &findings) {
            eprintln!("sigil proxy: {line}");
        }
        if findings.rejected() {
            continue;
        }
        let mut def = ToolDef::new(spec).input_schema(Value::Object((*tool.input_schema).clone()));
        if let Some(out) = &tool.output_schema {
            def = def.output_schema(Value::Object((**out).clone()));
        }
        let peer = peer.clone();
        let upstream_name = tool.name.to_string();
        builder = builder.tool(def, move |call| {
            forward(peer.clone(), upstream_name.clone(), call)
        });
    }
    let server = builder.build().map_err(|e| e.to_string())?;
    let served = match args.http {
        Some(addr) => server.serve_http_on(addr).await,
        None => server.serve_stdio().await,
    }
    .map_err(|e| e.to_string());
    let _ = upstream.cancel().await;
    served
}

/// Sends the gated call upstream and turns its result into the tool's output, which the
/// pipeline then scans like any other.
async fn forward(
    peer: Arc<Peer<RoleClient>>,
    name: String,
    call: GatedCall,
) -> Result<ToolOutput, ToolError> {
    let params = CallToolRequestParams::new(name).with_arguments(call.arguments().clone());
    let result = peer
        .call_tool(params)
        .await
        .map_err(|e| ToolError::new(format!("the upstream server failed: {e}")))?;
    output_of(result)
}

/// The text blocks and structured content of an upstream result; a line for each block of
/// another kind, saying it was withheld. An error result becomes a tool error with its text.
fn output_of(result: CallToolResult) -> Result<ToolOutput, ToolError> {
    let texts: Vec<String> = result
        .content
        .iter()
        .map(|c| match c {
            ContentBlock::Text(t) => t.text.clone(),
            ContentBlock::Resource(r) => match &r.resource {
                ResourceContents::TextResourceContents { text, .. } => text.clone(),
                ResourceContents::BlobResourceContents { uri, .. } => {
                    format!("[sigil proxy: binary resource {uri} withheld]")
                }
                _ => "[sigil proxy: a resource of an unknown kind withheld]".to_owned(),
            },
            ContentBlock::Image(i) => format!("[sigil proxy: image ({}) withheld]", i.mime_type),
            ContentBlock::Audio(a) => format!("[sigil proxy: audio ({}) withheld]", a.mime_type),
            ContentBlock::ResourceLink(l) => format!("[sigil proxy: resource link {}]", l.uri),
            _ => "[sigil proxy: content of an unknown kind withheld]".to_owned(),
        })
        .collect();
    if result.is_error == Some(true) {
        return Err(ToolError::new(texts.join("\n")));
    }
    Ok(ToolOutput::blocks(texts, result.structured_content))
}
