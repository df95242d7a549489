//! The `sigil` command line tool.
//!
//! Each subcommand lives in its own module under `commands/` and parses its own arguments; the
//! top level is clap's too, built from those parsers, so `sigil --help`, `sigil help CMD` and
//! `sigil CMD --help` all look alike.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::CommandFactory;

mod commands;

/// Every subcommand: its name, what it does, and its parser's command.
fn cli() -> clap::Command {
    let sub = |cmd: clap::Command, name: &'static str, about: &'static str| {
        cmd.name(name)
            .bin_name(format!("sigil {name}"))
            .about(about)
    };
    clap::Command::new("sigil")
        .about("SIGIL's command line: scan for secrets, verify audit logs, sign rule packs, log in, proxy an MCP server")
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(sub(
            commands::scan::ScanArgs::command(),
            "scan",
            "Scan files or stdin for secrets, financial data and PII",
        ))
        .subcommand(sub(
            commands::scan::RedactArgs::command(),
            "redact",
            "Print the input with every hit replaced by a pointer-shaped placeholder",
        ))
        .subcommand(sub(
            commands::pack::PackArgs::command(),
            "pack",
            "Sign or verify a rule pack",
        ))
        .subcommand(sub(
            commands::audit::Args::command(),
            "audit",
            "Verify or show an audit log",
        ))
        .subcommand(sub(
            commands::keygen::Args::command(),
            "keygen",
            "Write a MAC key and an Ed25519 key pair",
        ))
        .subcommand(sub(
            commands::proxy::Args::command(),
            "proxy",
            "Put the SIGIL pipeline in front of an MCP server that speaks stdio",
        ))
        .subcommand(sub(
            commands::login::Args::command(),
            "login",
            "Log in at an OpenID provider for local (stdio) servers",
        ))
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    // The top level checks the command and answers `--help`, `help CMD` and `--version`; the
    // subcommand then parses its own arguments.
    let matches = match cli().try_get_matches_from(&args) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let mut args = args;
    args.remove(1);
    match matches.subcommand_name() {
        Some("scan") => commands::scan::run_scan(args),
        Some("redact") => commands::scan::run_redact(args),
        Some("pack") => commands::pack::run(args),
        Some("audit") => commands::audit::run(args),
        Some("keygen") => commands::keygen::run(args),
        Some("login") => commands::login::run(args),
        Some("proxy") => commands::proxy::run(args),
        _ => ExitCode::from(2),
    }
}
