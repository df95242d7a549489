//! `sigil scan` and `sigil redact`.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, ValueEnum};
use sigil_runtime::scan::{PackPublicKey, ScanError, Scanner, redact_bytes};

use super::progress::Progress;
use super::scan_stream::{Cuts, Outcome, Region, scan_stream};

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
        let name = input.name();
        let mut lines = Lines::default();
        let result = input.scan(&scanner, &mut |region| {
            hits_total += region.hits.len();
            print_hits(&mut out, &name, &region, &mut lines, args.format).map_err(Failure::Output)
        });
        match result {
            Ok(()) => {}
            Err(Failure::Input(e)) => {
                eprintln!("sigil scan: {name}: {e}");
                errors += 1;
            }
            Err(Failure::Output(e)) => {
                eprintln!("sigil scan: writing output: {e}");
                return ExitCode::from(2);
            }
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
    let name = input.name();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = input.scan(&scanner, &mut |region| {
        let redacted = redact_bytes(region.bytes, &region.hits, |h| {
            format!("[SIGIL-VAULT: {}:redacted]", h.kind.tag())
        });
        out.write_all(&redacted).map_err(Failure::Output)
    });
    let result = result.and_then(|()| out.flush().map_err(Failure::Output));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(e)) => {
            eprintln!("sigil redact: {name}: {e}");
            ExitCode::from(2)
        }
        Err(Failure::Output(e)) => {
            eprintln!("sigil redact: writing output: {e}");
            ExitCode::from(2)
        }
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

    /// Scans the input in chunks, handing each region to `each`; a walked file that looks
    /// binary is skipped. A progress bar is shown on a terminal for a large file.
    fn scan(
        &self,
        scanner: &Scanner,
        each: &mut dyn FnMut(Region<'_>) -> Result<(), Failure>,
    ) -> Result<(), Failure> {
        let (mut reader, walked, size): (Box<dyn Read>, bool, Option<u64>) = match self {
            Self::Stdin => (Box::new(io::stdin().lock()), false, None),
            Self::File(p, walked) => {
                let file = std::fs::File::open(p).map_err(Failure::Input)?;
                let size = file.metadata().ok().map(|m| m.len());
                (Box::new(file), *walked, size)
            }
        };
        let mut progress = Progress::new(&self.name(), size);
        // An output error is kept here, so that the stream stops at once and says why.
        let mut failed = None;
        let outcome = scan_stream(
            scanner,
            Cuts::default(),
            &mut *reader,
            walked,
            &mut |read| progress.show(read),
            &mut |region| {
                each(region).map_err(|e| {
                    failed = Some(e);
                    io::Error::other("stopped")
                })
            },
        );
        progress.finish();
        if let Some(e) = failed {
            return Err(e);
        }
        match outcome.map_err(Failure::Input)? {
            Outcome::Scanned | Outcome::Binary => Ok(()),
        }
    }
}

/// Why an input was not handled to its end.
enum Failure {
    /// Reading it failed: reported, and the next input is scanned.
    Input(io::Error),
    /// Writing the output failed: the command stops.
    Output(io::Error),
}

/// Line numbers across regions: the line of the next byte not yet counted.
struct Lines {
    line: usize,
}

impl Default for Lines {
    fn default() -> Self {
        Self { line: 1 }
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
    region: &Region<'_>,
    lines: &mut Lines,
    format: Format,
) -> io::Result<()> {
    let bytes = region.bytes;
    let newlines = |range: &[u8]| memchr::memchr_iter(b'\n', range).count();
    let mut at = 0usize;
    for hit in &region.hits {
        let start = hit.span.start.min(bytes.len());
        if start >= at {
            lines.line += newlines(&bytes[at..start]);
            at = start;
        }
        let line = lines.line;
        let (start, end) = (
            region.offset + hit.span.start as u64,
            region.offset + hit.span.end as u64,
        );
        match format {
            Format::Json => {
                // Fields in the documented order; `encoding` only for a value found decoded.
                let encoding = hit
                    .encoding
                    .map(|e| format!(r#","encoding":"{}""#, e.as_str()))
                    .unwrap_or_default();
                let record = format!(
                    r#"{{"path":{},"rule":{},"category":"{}","severity":"{}","start":{start},"end":{end},"line":{line}{encoding}}}"#,
                    serde_json::Value::from(name),
                    serde_json::Value::from(&*hit.rule),
                    hit.category.as_str(),
                    hit.severity.as_str(),
                );
                writeln!(out, "{record}")?;
            }
            Format::Text => writeln!(
                out,
                "{name}:{line}: {} ({}, {}) bytes {start}..{end}{}",
                hit.rule,
                hit.category.as_str(),
                hit.severity.as_str(),
                hit.encoding
                    .map(|e| format!(", inside {}", e.as_str()))
                    .unwrap_or_default()
            )?,
        }
    }
    lines.line += newlines(&bytes[at..]);
    Ok(())
}
