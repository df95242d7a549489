//! `sigil keygen [--out DIR] [--force]`: writes the audit MAC key and the Ed25519 checkpoint key
//! pair (`audit-mac.key`, `audit-signing.key` mode 0600, `audit-signing.pub`).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use sigil_runtime::audit::{
    AuditKeys, MAC_KEY_FILE, SIGNING_KEY_FILE, VERIFIER_KEY_FILE, default_key_dir,
};

/// Write a new audit MAC key and Ed25519 checkpoint key pair.
#[derive(Debug, Parser)]
#[command(name = "sigil keygen", bin_name = "sigil keygen")]
pub(crate) struct Args {
    /// Directory for the key files [default: $XDG_DATA_HOME/sigil or ~/.local/share/sigil]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace existing key files (logs sealed with the old keys can then only be verified with
    /// a copy of them)
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(args: Vec<OsString>) -> ExitCode {
    let args: Args = match super::parse(args) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let dir = match args.out.map_or_else(default_key_dir, Ok) {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("sigil keygen: {e}");
            return ExitCode::from(2);
        }
    };
    let result =
        AuditKeys::generate().and_then(|keys| keys.write_to(&dir, args.force).map(|()| keys));
    match result {
        Ok(keys) => {
            println!("wrote {}", dir.join(MAC_KEY_FILE).display());
            println!("wrote {}", dir.join(SIGNING_KEY_FILE).display());
            println!("wrote {}", dir.join(VERIFIER_KEY_FILE).display());
            println!("checkpoint verifier key: {}", keys.verifier().vkey());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sigil keygen: {e}");
            ExitCode::from(1)
        }
    }
}
