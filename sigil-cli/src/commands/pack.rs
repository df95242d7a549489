//! `sigil pack`: make signing keys, sign, verify and self-test rule packs.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sigil_runtime::scan::{
    Pack, PackPublicKey, PackSigningKey, SIGNATURE_SUFFIX, ScanError, sign_pack, verify_pack,
};

use super::parse;

/// Sign, verify and test rule packs.
#[derive(Parser, Debug)]
#[command(name = "sigil pack", bin_name = "sigil pack")]
pub(crate) struct PackArgs {
    #[command(subcommand)]
    command: PackCommand,
}

#[derive(Subcommand, Debug)]
enum PackCommand {
    /// Write a new Ed25519 signing key (32-byte seed, mode 0600) to KEY and its public key
    /// (base64) to KEY.pub.
    Keygen {
        /// Where to write the signing key; must not exist.
        #[arg(long, value_name = "KEY")]
        out: PathBuf,
    },
    /// Sign PACK with KEY, writing PACK.sig. The pack must parse.
    Sign {
        /// The signing key file.
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
        /// The rule pack.
        pack: PathBuf,
    },
    /// Check PACK.sig against the trusted public key. Exit 0 valid, 1 refused, 2 error.
    Verify {
        /// The trusted public key file (32 raw bytes or base64).
        #[arg(long, value_name = "PUB")]
        pubkey: PathBuf,
        /// The rule pack.
        pack: PathBuf,
    },
    /// Run every rule's examples and negatives. Without PACK, tests the embedded default pack.
    /// Exit 0 all pass, 1 failures, 2 error.
    Test {
        /// Rule packs to test.
        packs: Vec<PathBuf>,
    },
}

pub(crate) fn run(args: Vec<OsString>) -> ExitCode {
    let args: PackArgs = match parse(args) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let outcome = match args.command {
        PackCommand::Keygen { out } => keygen(&out),
        PackCommand::Sign { key, pack } => sign(&key, &pack),
        PackCommand::Verify { pubkey, pack } => verify(&pubkey, &pack),
        PackCommand::Test { packs } => test(&packs),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sigil pack: {e}");
            ExitCode::from(2)
        }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn read(path: &Path) -> Result<Vec<u8>, ScanError> {
    std::fs::read(path).map_err(|source| ScanError::Io {
        path: path.to_owned(),
        source,
    })
}

fn write(path: &Path, text: &str) -> Result<(), ScanError> {
    std::fs::write(path, text).map_err(|source| ScanError::Io {
        path: path.to_owned(),
        source,
    })
}

fn keygen(out: &Path) -> Result<ExitCode, ScanError> {
    let key = PackSigningKey::generate()?;
    key.write_seed_file(out)?;
    let public = key.public_key().to_base64();
    let pub_path = with_suffix(out, ".pub");
    write(&pub_path, &format!("{public}\n"))?;
    println!("{public}");
    eprintln!(
        "wrote signing key {} (mode 0600) and public key {}",
        out.display(),
        pub_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn sign(key: &Path, pack: &Path) -> Result<ExitCode, ScanError> {
    let key = PackSigningKey::read_seed_file(key)?;
    let bytes = read(pack)?;
    let text = String::from_utf8(bytes.clone()).map_err(|_| ScanError::PackSyntax {
        origin: pack.display().to_string(),
        message: "pack is not UTF-8".into(),
    })?;
    let parsed = Pack::parse(&text, &pack.display().to_string())?;
    let sig_path = with_suffix(pack, SIGNATURE_SUFFIX);
    write(&sig_path, &sign_pack(&bytes, &key))?;
    eprintln!(
        "signed {} ({} rules) -> {}",
        pack.display(),
        parsed.rules().len(),
        sig_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn verify(pubkey: &Path, pack: &Path) -> Result<ExitCode, ScanError> {
    let trusted = PackPublicKey::read_file(pubkey)?;
    let bytes = read(pack)?;
    let sig_path = with_suffix(pack, SIGNATURE_SUFFIX);
    let sidecar = match std::fs::read_to_string(&sig_path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!(
                "sigil pack: {}",
                ScanError::SignatureMissing {
                    pack: pack.to_owned()
                }
            );
            return Ok(ExitCode::from(1));
        }
        Err(source) => {
            return Err(ScanError::Io {
                path: sig_path,
                source,
            });
        }
    };
    match verify_pack(&bytes, &sidecar, &trusted, pack) {
        Ok(()) => {
            println!("{}: signature OK", pack.display());
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ (ScanError::BadSignature { .. } | ScanError::UntrustedSigner { .. })) => {
            eprintln!("sigil pack: {e}");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e),
    }
}

fn test(packs: &[PathBuf]) -> Result<ExitCode, ScanError> {
    let parsed = if packs.is_empty() {
        vec![Pack::embedded_default()?]
    } else {
        let mut v = Vec::new();
        for p in packs {
            let text = String::from_utf8(read(p)?).map_err(|_| ScanError::PackSyntax {
                origin: p.display().to_string(),
                message: "pack is not UTF-8".into(),
            })?;
            v.push(Pack::parse(&text, &p.display().to_string())?);
        }
        v
    };
    let mut failed = false;
    for pack in &parsed {
        let failures = pack.self_test()?;
        for f in &failures {
            println!("{}: {f}", pack.origin());
        }
        let examples: usize = pack
            .rules()
            .iter()
            .map(|r| r.examples.len() + r.negative.len())
            .sum();
        println!(
            "{}: {} rules, {examples} examples, {} failures",
            pack.origin(),
            pack.rules().len(),
            failures.len()
        );
        failed |= !failures.is_empty();
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
