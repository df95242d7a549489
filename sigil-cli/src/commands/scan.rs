//! `sigil scan` and `sigil redact`.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, ValueEnum};
use sigil_runtime::scan::{Hit, PackPublicKey, ScanError, Scanner, redact_bytes};

use super::parse;

/// Scan files, directories or stdin for secrets, financial data and PII.
///
/// Exit status: 0 no hits, 1 hits, 2 error. Values found are never printed.
#[derive(Parser, Debug)]
#[command(name = "sigil scan", bin_name = "sigil scan")]
pub(crate) struct ScanArgs {
    /// Files or directories (walked, skipping .git and binary files); `-` or nothing for stdin.
    paths: Vec<PathBuf>,
    /// `json` prints JSON Lines, one hit per line; `text` one readable line per hit.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    rules: RulesArgs,
}

/// Print the input with every hit replaced by `[SIGIL-VAULT: <KIND>:redacted]`.
#[derive(Parser, Debug)]
#[command(name = "sigil redact", bin_name = "sigil redact")]
pub(crate) struct RedactArgs {
    /// A file, or `-` or nothing for stdin.
    path: Option<PathBuf>,
    #[command(flatten)]
    rules: RulesArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Text,
}

/// Which rule packs to compile.
#[derive(Args, Debug)]
pub(crate) struct RulesArgs {
    /// A rule pack (TOML) to add to the default pack; repeatable.
    #[arg(long = "rules", value_name = "PACK")]
    packs: Vec<PathBuf>,
    /// Trusted public key: every `--rules` pack must carry a valid `<PACK>.sig` from it.
    #[arg(long, value_name = "PUB")]
    pack_pubkey: Option<PathBuf>,
    /// Use only the `--rules` packs, not the embedded default pack.
    #[arg(long)]
    no_default_rules: bool,
}

impl RulesArgs {
    pub(crate) fn scanner(&self) -> Result<Scanner, ScanError> {
        if self.packs.is_empty() && !self.no_default_rules {
            return Scanner::default_pack();
        }
        let mut builder = Scanner::builder();
        if !self.no_default_rules {
            builder = builder.default_pack()?;
        }
        let trusted = match &self.pack_pubkey {
            Some(p) => Some(PackPublicKey::read_file(p)?),
            None => None,
        };
        for pack in &self.packs {
            builder = match &trusted {
                Some(key) => builder.pack_file_signed(pack, key)?,
                None => builder.pack_file(pack)?,
            };
        }
        builder.build()
    }
}

pub(crate) fn run_scan(args: Vec<OsString>) -> ExitCode {
    let args: ScanArgs = match parse(args) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let scanner = match args.rules.scanner() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sigil scan: {e}");
            return ExitCode::from(2);
        }
    };
    let mut inputs = Vec::new();
    let mut errors = 0usize;
    if args.paths.is_empty() {
        inputs.push(Input::Stdin);
    }
    for path in &args.paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if path.is_dir() {
            walk(path, &mut inputs, &mut errors);
        } else {
            inputs.push(Input::File(path.clone(), false));
        }
    }
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut hits_total = 0usize;
    for input in inputs {
        let bytes = match input.read() {
            Ok(Some(b)) => b,
            Ok(None) => continue,
            Err(e) => {
                eprintln!("sigil scan: {}: {e}", input.name());
                errors += 1;
                continue;
            }
        };
        let hits = scan_input(&scanner, &bytes);
        hits_total += hits.len();
        if let Err(e) = print_hits(&mut out, &input.name(), &bytes, &hits, args.format) {
            eprintln!("sigil scan: writing output: {e}");
            return ExitCode::from(2);
        }
    }
    if let Err(e) = out.flush() {
        eprintln!("sigil scan: writing output: {e}");
        return ExitCode::from(2);
    }
    if errors > 0 {
        ExitCode::from(2)
    } else if hits_total > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

pub(crate) fn run_redact(args: Vec<OsString>) -> ExitCode {
    let args: RedactArgs = match parse(args) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let scanner = match args.rules.scanner() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sigil redact: {e}");
            return ExitCode::from(2);
        }
    };
    let input = match args.path {
        Some(p) if p.as_os_str() != "-" => Input::File(p, false),
        _ => Input::Stdin,
    };
    let bytes = match input.read() {
        Ok(Some(b)) => b,
        Ok(None) => Vec::new(),
        Err(e) => {
            eprintln!("sigil redact: {}: {e}", input.name());
            return ExitCode::from(2);
        }
    };
    let hits = scan_input(&scanner, &bytes);
    let out = redact_bytes(&bytes, &hits, |h| {
        format!("[SIGIL-VAULT: {}:redacted]", h.kind.tag())
    });
    match io::stdout().lock().write_all(&out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sigil redact: writing output: {e}");
            ExitCode::from(2)
        }
    }
}

/// JSON (first non-space byte `{` or `[`, which covers JSON Lines) is scanned decoded;
/// anything else as plain text.
fn scan_input(scanner: &Scanner, bytes: &[u8]) -> Vec<Hit> {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{' | b'[') => scanner.scan_json(bytes),
        _ => scanner.scan_text(bytes),
    }
}

enum Input {
    Stdin,
    /// A file, and whether it was found by walking a directory (then binary files are skipped).
    File(PathBuf, bool),
}

impl Input {
    fn name(&self) -> String {
        match self {
            Self::Stdin => "-".to_owned(),
            Self::File(p, _) => p.display().to_string(),
        }
    }

    /// The input's bytes; `None` for a walked file that looks binary.
    fn read(&self) -> io::Result<Option<Vec<u8>>> {
        match self {
            Self::Stdin => {
                let mut buf = Vec::new();
                io::stdin().lock().read_to_end(&mut buf)?;
                Ok(Some(buf))
            }
            Self::File(p, walked) => {
                let bytes = std::fs::read(p)?;
                let head = &bytes[..bytes.len().min(8192)];
                if *walked && head.contains(&0) {
                    return Ok(None);
                }
                Ok(Some(bytes))
            }
        }
    }
}

fn walk(dir: &Path, inputs: &mut Vec<Input>, errors: &mut usize) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("sigil scan: {}: {e}", dir.display());
            *errors += 1;
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if path.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            walk(&path, inputs, errors);
        } else if meta.is_file() || (meta.is_symlink() && path.is_file()) {
            inputs.push(Input::File(path, true));
        }
    }
}

fn print_hits(
    out: &mut impl Write,
    name: &str,
    bytes: &[u8],
    hits: &[Hit],
    format: Format,
) -> io::Result<()> {
    let mut line = 1usize;
    let mut at = 0usize;
    for hit in hits {
        let start = hit.span.start.min(bytes.len());
        if start >= at {
            line += bytes[at..start].iter().filter(|&&b| b == b'\n').count();
            at = start;
        }
        match format {
            Format::Json => {
                // Fields in the documented order; `encoding` only for a value found decoded.
                let encoding = hit
                    .encoding
                    .map(|e| format!(r#","encoding":"{}""#, e.as_str()))
                    .unwrap_or_default();
                let record = format!(
                    r#"{{"path":{},"rule":{},"category":"{}","severity":"{}","start":{},"end":{},"line":{line}{encoding}}}"#,
                    serde_json::Value::from(name),
                    serde_json::Value::from(&*hit.rule),
                    hit.category.as_str(),
                    hit.severity.as_str(),
                    hit.span.start,
                    hit.span.end,
                );
                writeln!(out, "{record}")?;
            }
            Format::Text => writeln!(
                out,
                "{name}:{line}: {} ({}, {}) bytes {}..{}{}",
                hit.rule,
                hit.category.as_str(),
                hit.severity.as_str(),
                hit.span.start,
                hit.span.end,
                hit.encoding
                    .map(|e| format!(", inside {}", e.as_str()))
                    .unwrap_or_default()
            )?,
        }
    }
    Ok(())
}
