//! `sigil keygen [--out DIR] [--force]`: writes a key directory: the audit MAC key and the Ed25519
//! checkpoint key pair (`audit-mac.key`, `audit-signing.key` mode 0600, `audit-signing.pub`), and
//! the first vault and `requestState` keys (`vault-1.key`, `request-state-1.key`, mode 0600).
//! Every replica of a server reads the same directory.
//!
//! `sigil keygen --rotate [--out DIR]`: adds the next vault and `requestState` keys; the newest
//! seals, the older ones still open what they sealed until their files are deleted.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use sigil_runtime::audit::{
    AuditKeys, MAC_KEY_FILE, SIGNING_KEY_FILE, VERIFIER_KEY_FILE, default_key_dir,
};
use sigil_runtime::server::KeyDir;

/// Write a key directory: audit keys, and vault and requestState keys for every replica.
#[derive(Debug, Parser)]
#[command(name = "sigil keygen", bin_name = "sigil keygen")]
pub(crate) struct Args {
    /// Directory for the key files [default: $XDG_DATA_HOME/sigil or ~/.local/share/sigil]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace existing audit key files (logs sealed with the old keys can then only be verified
    /// with a copy of them)
    #[arg(long, conflicts_with = "rotate")]
    force: bool,
    /// Add the next vault and requestState keys to an existing directory; the older ones keep
    /// opening what they sealed. Audit keys are not touched
    #[arg(long)]
    rotate: bool,
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
    if args.rotate {
        return match KeyDir::open(&dir).and_then(|_| KeyDir::add_generation(&dir)) {
            Ok(written) => {
                for path in written {
                    println!("wrote {}", path.display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("sigil keygen --rotate: {e}");
                ExitCode::from(1)
            }
        };
    }
    let result =
        AuditKeys::generate().and_then(|keys| keys.write_to(&dir, args.force).map(|()| keys));
    let keys = match result {
        Ok(keys) => keys,
        Err(e) => {
            eprintln!("sigil keygen: {e}");
            return ExitCode::from(1);
        }
    };
    println!("wrote {}", dir.join(MAC_KEY_FILE).display());
    println!("wrote {}", dir.join(SIGNING_KEY_FILE).display());
    println!("wrote {}", dir.join(VERIFIER_KEY_FILE).display());
    // A directory that has vault keys already keeps them: replacing one would orphan every
    // record it sealed. `--rotate` adds a newer one instead.
    if KeyDir::open(&dir).is_err() {
        match KeyDir::add_generation(&dir) {
            Ok(written) => {
                for path in written {
                    println!("wrote {}", path.display());
                }
            }
            Err(e) => {
                eprintln!("sigil keygen: {e}");
                return ExitCode::from(1);
            }
        }
    }
    println!("checkpoint verifier key: {}", keys.verifier().vkey());
    ExitCode::SUCCESS
}
