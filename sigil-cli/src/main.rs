//! The `sigil` command line tool.
//!
//! Each subcommand lives in its own module under `commands/` and parses its own arguments.

use std::ffi::OsString;
use std::process::ExitCode;

mod commands;

const USAGE: &str = "usage: sigil <command> [args]

commands:
  scan     scan files or stdin for secrets, financial data and PII
  redact   print the input with every hit replaced by a pointer-shaped placeholder
  pack     sign or verify a rule pack
  audit    verify or show an audit log
  keygen   write a MAC key and an Ed25519 key pair
  login    log in at an OpenID provider for local (stdio) servers";

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    if args.len() < 2 {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let command = args.remove(1);
    match command.to_str() {
        Some("scan") => commands::scan::run_scan(args),
        Some("redact") => commands::scan::run_redact(args),
        Some("pack") => commands::pack::run(args),
        Some("audit") => commands::audit::run(args),
        Some("keygen") => commands::keygen::run(args),
        Some("login") => commands::login::run(args),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("sigil: unknown command {command:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
