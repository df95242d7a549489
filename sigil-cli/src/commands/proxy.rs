//! `sigil proxy [--config POLICY] [--audit DIR] [--trust LEVEL] [--http ADDR] -- CMD [ARGS...]`
//! (or `--upstream http://127.0.0.1:PORT/mcp`): the SIGIL pipeline in front of an existing MCP
//! server, in any language.
//!
//! The upstream is a child process with an explicit environment (only the variables the
//! policy's `[upstream] env` names pass), or a Streamable HTTP server on loopback (see
//! `proxy_upstream.rs`). Its tools are listed once, at start (every page),
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
//! Each tool's definition, and the server's `instructions`, are pinned in a lockfile (see
//! `proxy_pins.rs`): a changed one is withheld until `sigil proxy approve` shows the diff and
//! pins it again.
//!
//! Prompts and resources are passed on through the same content guard (see
//! `proxy_content.rs`): scanned and vaulted as results are, each get and read audited.
//!
//! Not yet (issue 15): an upstream off loopback or over HTTPS, identity over HTTP,
//! `list_changed`, completions, progress, cancellation, server-to-client requests.
//! Text, structured content, images and audio are forwarded (the pipeline scans them all);
//! embedded binary resources and resource links are not: the client gets a line instead.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock, ResourceContents, Tool};
use rmcp::service::{Peer, RoleClient, RunningService};
use serde_json::Value;
use sigil_runtime::confirm::visible_line;
use sigil_runtime::identity::{Caller, TrustLevel};
use sigil_runtime::server::{SigilServer, ToolDef};
use sigil_runtime::tool::{GatedCall, ToolError, ToolOutput, ToolSpec};

use super::proxy_content::UpstreamContent;
use super::proxy_lint::{lint, lint_instructions, report};
use super::proxy_pins::{PinMode, Pins, Verdict};
use super::proxy_policy::{Decision, Policy};
use super::proxy_upstream::connect;

/// Put the SIGIL pipeline in front of an MCP server, over stdio or loopback HTTP.
#[derive(Debug, Parser)]
#[command(name = "sigil proxy", bin_name = "sigil proxy")]
pub(crate) struct Args {
    /// `approve`: show what changed in the upstream's tools since they were pinned, and pin
    /// them as they are now
    #[arg(value_name = "ACTION", value_parser = ["approve"])]
    action: Option<String>,
    /// Policy file (TOML): tool risks, visibility, the upstream's environment
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Lockfile of pinned tool definitions [default: the config's path with `.lock`, else
    /// proxy.lock in the data directory]
    #[arg(long, value_name = "FILE")]
    lock: Option<PathBuf>,
    /// Pinning: tofu (pin what is new, hide what changed), strict (only what the lockfile
    /// holds; never written) or off
    #[arg(long, value_name = "MODE", default_value = "tofu")]
    pin: String,
    /// With `approve`: pin without asking
    #[arg(long)]
    yes: bool,
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
    /// An upstream that serves Streamable HTTP, instead of a command: http://127.0.0.1:PORT/mcp
    /// (loopback only for now: the calls would cross the network in clear)
    #[arg(
        long,
        value_name = "URL",
        conflicts_with = "command",
        required_unless_present = "command"
    )]
    upstream: Option<String>,
    /// The upstream server's command and its arguments, after `--`
    #[arg(last = true, value_name = "CMD")]
    command: Vec<OsString>,
}

impl Args {
    /// `--upstream URL`, when the upstream serves HTTP.
    pub(crate) fn upstream_url(&self) -> Option<&str> {
        self.upstream.as_deref()
    }

    /// The command after `--`, when the upstream is a child process.
    pub(crate) fn upstream_command(&self) -> &[OsString] {
        &self.command
    }
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
    let done = if args.action.as_deref() == Some("approve") {
        runtime.block_on(approve(args, policy))
    } else {
        runtime.block_on(serve(args, policy, trust))
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sigil proxy: {e}");
            ExitCode::from(1)
        }
    }
}

/// The lockfile's path.
fn lock_path(args: &Args) -> Result<PathBuf, String> {
    if let Some(lock) = &args.lock {
        return Ok(lock.clone());
    }
    if let Some(config) = &args.config {
        return Ok(config.with_extension("lock"));
    }
    let dir = sigil_runtime::basics::data_dir().map_err(|e| e.to_string())?;
    Ok(dir.join("proxy.lock"))
}

/// The tools the policy and the lint leave visible, each with its spec; what the lint rejected
/// goes to `notes` (for the audit log) and `withheld` (with why, for a call to it).
fn admitted(
    policy: &Policy,
    tools: Vec<Tool>,
    notes: &mut Vec<(String, String)>,
    withheld: &mut Vec<(String, String)>,
) -> Vec<(Tool, ToolSpec)> {
    let names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    tools
        .into_iter()
        .filter_map(|tool| {
            let Decision::Visible(spec) = policy.decide(&tool) else {
                return None;
            };
            // Tool poisoning: a definition with hidden characters is not listed.
            let findings = lint(&tool, &names);
            if let Some(line) = report(&tool, &findings) {
                eprintln!("sigil proxy: {line}");
            }
            if findings.rejected() {
                notes.push((
                    tool.name.to_string(),
                    format!(
                        "hidden by the lint: {} invisible or control character(s) in its \
                         definition (sha256 {})",
                        findings.hidden.len(),
                        Pins::sha256_now(&tool)
                    ),
                ));
                withheld.push((
                    tool.name.to_string(),
                    "its definition holds invisible or control characters, which could hide \
                     instructions from a reader"
                        .to_owned(),
                ));
                return None;
            }
            Some((tool, spec))
        })
        .collect()
}

/// The upstream's `instructions`, unless the lint rejects them (then they are not passed on).
fn instructions(upstream: &RunningService<RoleClient, ()>, names: &[String]) -> Option<String> {
    let text = upstream.peer_info()?.instructions.clone()?;
    let findings = lint_instructions(&text, names);
    if findings.rejected() {
        eprintln!(
            "sigil proxy: the server's instructions are not passed on: they hold {} invisible or \
             control character(s)",
            findings.hidden.len()
        );
        return None;
    }
    if !findings.flagged.is_empty() {
        let kinds: Vec<&str> = findings.flagged.iter().map(|(_, k)| *k).collect();
        eprintln!(
            "sigil proxy: the server's instructions, flagged: {}",
            kinds.join(", ")
        );
    }
    Some(text)
}

/// `sigil proxy approve`: prints what changed since the tools were pinned and pins them.
async fn approve(args: Args, policy: Policy) -> Result<(), String> {
    let lock = lock_path(&args)?;
    let mut pins = Pins::load(&lock)?;
    let (upstream, tools, _) = connect(&args, &policy).await?;
    let names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    let text = instructions(&upstream, &names);
    let _ = upstream.cancel().await;
    let mut changed_instructions = None;
    if let Some(text) = text
        && pins.instructions_verdict(&text) != Verdict::Same
    {
        println!("the server's instructions:");
        for line in pins.instructions_diff(&text) {
            println!("  {line}");
        }
        changed_instructions = Some(text);
    }
    let mut changed = Vec::new();
    for (tool, _) in admitted(&policy, tools, &mut Vec::new(), &mut Vec::new()) {
        let verdict = pins.verdict(&tool);
        if verdict == Verdict::Same {
            continue;
        }
        let what = if verdict == Verdict::New {
            "new"
        } else {
            "changed"
        };
        println!("tool \"{}\" ({what}):", visible_line(&tool.name));
        for line in pins.diff(&tool) {
            println!("  {line}");
        }
        changed.push(tool);
    }
    if changed.is_empty() && changed_instructions.is_none() {
        println!(
            "nothing to approve: everything is as pinned in {}",
            lock.display()
        );
        return Ok(());
    }
    if !args.yes && !ask("pin these as they are now?") {
        return Err(format!("not approved; {} is unchanged", lock.display()));
    }
    for tool in &changed {
        pins.pin(tool);
    }
    if let Some(text) = &changed_instructions {
        pins.pin_instructions(text);
    }
    pins.save(&lock)?;
    println!("approved {} tool(s) in {}", changed.len(), lock.display());
    Ok(())
}

/// Asks on the terminal; no terminal (or anything but y) is no.
fn ask(question: &str) -> bool {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        eprintln!("sigil proxy: {question} (no terminal to ask on: pass --yes)");
        return false;
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    matches!(answer.trim(), "y" | "Y" | "yes")
}

async fn serve(args: Args, policy: Policy, trust: TrustLevel) -> Result<(), String> {
    let mode = PinMode::parse(&args.pin)?;
    let lock = lock_path(&args)?;
    let mut pins = match mode {
        PinMode::Off => Pins::default(),
        _ => Pins::load(&lock)?,
    };
    let (upstream, tools, shown) = connect(&args, &policy).await?;
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
    if let Some(content) = UpstreamContent::of(peer.clone()) {
        builder = builder.content_source(content);
    }
    let names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    let mut pinned = 0;
    let mut notes = Vec::new();
    let mut withheld = Vec::new();
    for (tool, spec) in admitted(&policy, tools, &mut notes, &mut withheld) {
        let now = Pins::sha256_now(&tool);
        match (mode, pins.verdict(&tool)) {
            (PinMode::Off, _) | (_, Verdict::Same) => {}
            (PinMode::Tofu, Verdict::New) => {
                pins.pin(&tool);
                pinned += 1;
                notes.push((tool.name.to_string(), format!("pinned (sha256 {now})")));
            }
            (_, verdict) => {
                let why = if verdict == Verdict::New {
                    "is not in the lockfile (--pin strict)"
                } else {
                    "changed since it was pinned"
                };
                let was = pins.pinned_sha256(&tool.name).unwrap_or("none");
                notes.push((
                    tool.name.to_string(),
                    format!("hidden: its definition {why} (pinned sha256 {was}, now {now})"),
                ));
                let advice = format!(
                    "its definition {why} ({}); review and pin it with `sigil proxy approve` and \
                     the same options",
                    lock.display()
                );
                eprintln!(
                    "sigil proxy: tool \"{}\" hidden: {advice}",
                    visible_line(&tool.name)
                );
                withheld.push((tool.name.to_string(), advice));
                continue;
            }
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
    if let Some(text) = instructions(&upstream, &names) {
        match (mode, pins.instructions_verdict(&text)) {
            (PinMode::Off, _) | (_, Verdict::Same) => builder = builder.instructions(text),
            (PinMode::Tofu, Verdict::New) => {
                pins.pin_instructions(&text);
                pinned += 1;
                builder = builder
                    .instructions(text)
                    .definition_note("(server instructions)", "pinned");
            }
            _ => {
                eprintln!(
                    "sigil proxy: the server's instructions are not passed on: they are new or \
                     changed since they were pinned ({}); review them with `sigil proxy approve`",
                    lock.display()
                );
                builder = builder.definition_note(
                    "(server instructions)",
                    "withheld: new in strict mode, or changed since pinned",
                );
            }
        }
    }
    for (tool, reason) in notes {
        builder = builder.definition_note(tool, reason);
    }
    for (tool, why) in withheld {
        builder = builder.withheld(tool, why);
    }
    if pinned > 0 {
        pins.save(&lock)?;
        if !args.quiet {
            eprintln!(
                "sigil proxy: pinned {pinned} new tool(s) in {}",
                lock.display()
            );
        }
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
    // The upstream must read the call the pipeline checked and the human saw: keys that differ
    // only in case could be read as one key by a case-folding server (duplicate keys were
    // already refused when the request was parsed).
    if let Some((a, b)) = case_variant_keys(call.arguments()) {
        return Err(ToolError::invalid_arguments(format!(
            "the arguments hold keys that differ only in case (`{}` and `{}`); nothing was sent \
             upstream",
            visible_line(&a),
            visible_line(&b)
        )));
    }
    let params = CallToolRequestParams::new(name).with_arguments(call.arguments().clone());
    let result = peer
        .call_tool(params)
        .await
        .map_err(|e| ToolError::new(format!("the upstream server failed: {e}")))?;
    output_of(result)
}

/// Two keys of one object, anywhere in `args`, that are equal but for ASCII case.
fn case_variant_keys(args: &serde_json::Map<String, Value>) -> Option<(String, String)> {
    let mut seen: std::collections::HashMap<String, &String> = std::collections::HashMap::new();
    for (k, v) in args {
        if let Some(other) = seen.insert(k.to_ascii_lowercase(), k) {
            return Some((other.clone(), k.clone()));
        }
        if let Some(found) = nested_case_variants(v) {
            return Some(found);
        }
    }
    None
}

fn nested_case_variants(v: &Value) -> Option<(String, String)> {
    match v {
        Value::Object(m) => case_variant_keys(m),
        Value::Array(a) => a.iter().find_map(nested_case_variants),
        _ => None,
    }
}

/// The upstream result as the tool's output, block by block in its order: text, images and
/// audio (whose bytes the pipeline scans too), the text of embedded text resources, and a line
/// for each block of another kind, saying it was withheld. An error result becomes a tool error
/// with its text.
fn output_of(result: CallToolResult) -> Result<ToolOutput, ToolError> {
    if result.is_error == Some(true) {
        let texts: Vec<String> = result
            .content
            .iter()
            .filter_map(|c| match c {
                ContentBlock::Text(t) => Some(t.text.clone()),
                _ => None,
            })
            .collect();
        return Err(ToolError::new(texts.join("\n")));
    }
    let mut out = ToolOutput::blocks(Vec::new(), result.structured_content);
    for c in result.content {
        out = match c {
            ContentBlock::Text(t) => out.and_text(t.text),
            ContentBlock::Image(i) => out.and_image(i.data, i.mime_type),
            ContentBlock::Audio(a) => out.and_audio(a.data, a.mime_type),
            ContentBlock::Resource(r) => match r.resource {
                ResourceContents::TextResourceContents { text, .. } => out.and_text(text),
                ResourceContents::BlobResourceContents { uri, .. } => {
                    out.and_text(format!("[sigil proxy: binary resource {uri} withheld]"))
                }
                _ => out.and_text("[sigil proxy: a resource of an unknown kind withheld]"),
            },
            ContentBlock::ResourceLink(l) => {
                out.and_text(format!("[sigil proxy: resource link {}]", l.uri))
            }
            _ => out.and_text("[sigil proxy: content of an unknown kind withheld]"),
        };
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_differ_only_in_case_are_found_at_any_depth() {
        let args = |v: Value| v.as_object().unwrap().clone();
        let (a, b) =
            case_variant_keys(&args(serde_json::json!({"path": "a", "Path": "b"}))).unwrap();
        assert_eq!(
            [a.as_str(), b.as_str()].map(str::to_ascii_lowercase),
            ["path", "path"]
        );
        assert_ne!(a, b);
        let nested = serde_json::json!({"opts": [{"to": "x", "TO": "y"}]});
        assert!(case_variant_keys(&args(nested)).is_some());
        let fine = serde_json::json!({"path": "a", "paths": ["Path", "path"], "o": {"path": 1}});
        assert_eq!(case_variant_keys(&args(fine)), None);
    }
}
