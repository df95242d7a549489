//! `sigil audit verify|show|append`.
//!
//! Exit codes of `verify`: 0 intact, 1 tampered or damaged, 2 usage or I/O error, 3 the final line
//! is torn (a crash mid-write) and everything before it verifies, 4 the key given does not belong
//! to the log (another log's key directory, say).

use std::ffi::OsString;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use sigil_runtime::audit::{
    AuditConfig, AuditEvent, AuditKeys, AuditLog, CheckpointVerifier, Durability, EventKind,
    FailureClass, MAC_KEY_FILE, MacKey, Outcome, Record, VERIFIER_KEY_FILE, VerifyKeys,
    VerifyReport, checkpoints_path, default_key_dir, discover_segments, parse_utc_millis, verify,
};

/// Verify, read or append to a SIGIL audit log.
#[derive(Debug, Parser)]
#[command(name = "sigil audit", bin_name = "sigil audit")]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a log's MACs, hash chain, epochs and checkpoints.
    Verify(VerifyArgs),
    /// Print a log's records as a table.
    Show(ShowArgs),
    /// Append events to a log (for scripts and tests).
    Append(AppendArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// The log; one path finds its rotated segments (LOG.1, LOG.2, ...); several are taken in
    /// order. A directory holds one chain per replica (`*.jsonl`, there or one level down):
    /// each is verified and reported
    #[arg(required = true, value_name = "LOG")]
    logs: Vec<PathBuf>,
    /// The initial MAC key [default: audit-mac.key in the key directory]
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// The checkpoint verifier key [default: audit-signing.pub in the key directory]
    #[arg(long, value_name = "FILE")]
    pubkey: Option<PathBuf>,
    /// A file of signed checkpoints, ideally one kept away from the log (repeatable); the
    /// sidecar LOG.checkpoints is also checked when present
    #[arg(long, value_name = "FILE")]
    checkpoint: Vec<PathBuf>,
    /// Where the keys are [default: $XDG_DATA_HOME/sigil or ~/.local/share/sigil]
    #[arg(long, value_name = "DIR")]
    key_dir: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(Debug, clap::Args)]
struct ShowArgs {
    /// The log; one path includes its rotated segments
    #[arg(required = true, value_name = "LOG")]
    logs: Vec<PathBuf>,
    /// Only records of this principal
    #[arg(long)]
    principal: Option<String>,
    /// Only records about this tool
    #[arg(long)]
    tool: Option<String>,
    /// Only records at or after this UTC time (2026-01-31 or 2026-01-31T12:00:00Z)
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Only records with this decision
    #[arg(long)]
    decision: Option<String>,
    /// Only records of this event (call_refused, ...)
    #[arg(long)]
    event: Option<String>,
    /// Output format (json: the matching records as JSON Lines)
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(Debug, clap::Args)]
struct AppendArgs {
    /// The log (created if missing)
    #[arg(value_name = "LOG")]
    log: PathBuf,
    /// Event name (server_start, call_allowed, ...)
    #[arg(long)]
    event: String,
    /// Principal
    #[arg(long, default_value = "anonymous")]
    principal: String,
    /// Tool
    #[arg(long)]
    tool: Option<String>,
    /// Decision
    #[arg(long)]
    decision: Option<String>,
    /// Reason (no secrets)
    #[arg(long)]
    reason: Option<String>,
    /// Append the event this many times
    #[arg(long, default_value_t = 1)]
    count: u64,
    /// Where the keys are (created if missing)
    #[arg(long, value_name = "DIR")]
    key_dir: Option<PathBuf>,
    /// fsync after every record
    #[arg(long)]
    sync_every_record: bool,
}

pub(crate) fn run(args: Vec<OsString>) -> ExitCode {
    let args: Args = match super::parse(args) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let result = match args.command {
        Command::Verify(a) => run_verify(a),
        Command::Show(a) => run_show(a),
        Command::Append(a) => run_append(a),
    };
    result.unwrap_or_else(|message| {
        eprintln!("sigil audit: {message}");
        ExitCode::from(2)
    })
}

fn key_dir(explicit: Option<PathBuf>) -> Result<PathBuf, String> {
    explicit.map_or_else(|| default_key_dir().map_err(|e| e.to_string()), Ok)
}

fn segments_of(logs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    if let [single] = logs {
        let found = discover_segments(single);
        if found.is_empty() {
            return Err(format!("{}: no such log", single.display()));
        }
        return Ok(found);
    }
    Ok(logs.to_vec())
}

fn run_verify(a: VerifyArgs) -> Result<ExitCode, String> {
    let dir = key_dir(a.key_dir.clone());
    let (key_path, key_source) = match (&a.key, &dir) {
        (Some(key), _) => (key.clone(), key.display().to_string()),
        (None, Ok(dir)) => (dir.join(MAC_KEY_FILE), format!("in {}", dir.display())),
        (None, Err(e)) => return Err(e.clone()),
    };
    let mac_key = MacKey::from_file(&key_path).map_err(|e| e.to_string())?;
    let verifier = match (&a.pubkey, &dir) {
        (Some(pubkey), _) => Some(read_verifier(pubkey)?),
        (None, Ok(dir)) if dir.join(VERIFIER_KEY_FILE).exists() => {
            Some(read_verifier(&dir.join(VERIFIER_KEY_FILE))?)
        }
        _ => None,
    };
    let keys = VerifyKeys {
        mac_key: &mac_key,
        checkpoint_key: verifier.as_ref(),
    };
    // A directory holds several chains (one per replica): each is verified and reported.
    let chains = match a.logs.as_slice() {
        [single] if single.is_dir() => chains_in(single)?,
        _ => {
            let report = verify_chain(&a.logs, keys, &a.checkpoint)?;
            return Ok(ExitCode::from(print_report(&report, &a, &key_source, None)));
        }
    };
    let mut worst = 0;
    for chain in &chains {
        let report = verify_chain(std::slice::from_ref(chain), keys, &a.checkpoint)?;
        let code = print_report(&report, &a, &key_source, Some(chain));
        // Tampering outranks an unprintable report, a foreign key and a torn tail.
        let severity = |c: u8| [0, 3, 4, 2, 1].iter().position(|&x| x == c).unwrap_or(4);
        if severity(code) > severity(worst) {
            worst = code;
        }
    }
    Ok(ExitCode::from(worst))
}

/// The audit logs under `dir` (`*.jsonl`, there or one directory down), each one chain; their
/// rotated segments and checkpoint files are found from them.
fn chains_in(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let list = |d: &Path| -> Result<Vec<PathBuf>, String> {
        let entries = std::fs::read_dir(d).map_err(|e| format!("{}: {e}", d.display()))?;
        Ok(entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
    };
    let mut chains = Vec::new();
    for entry in list(dir)? {
        let paths = if entry.is_dir() {
            list(&entry)?
        } else {
            vec![entry]
        };
        chains.extend(
            paths
                .into_iter()
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "jsonl")),
        );
    }
    chains.sort();
    if chains.is_empty() {
        return Err(format!("{}: no audit log (*.jsonl) in it", dir.display()));
    }
    Ok(chains)
}

/// Verifies one chain (a log and its segments) with the checkpoints given and its sidecar.
fn verify_chain(
    logs: &[PathBuf],
    keys: VerifyKeys<'_>,
    given: &[PathBuf],
) -> Result<VerifyReport, String> {
    let segments = segments_of(logs)?;
    let mut checkpoints = given.to_vec();
    let sidecar = checkpoints_path(&logs[0]);
    if sidecar.exists() && !checkpoints.contains(&sidecar) {
        if keys.checkpoint_key.is_some() {
            checkpoints.push(sidecar);
        } else {
            eprintln!(
                "sigil audit: {} not checked: no public key",
                sidecar.display()
            );
        }
    }
    verify(&segments, keys, &checkpoints).map_err(|e| e.to_string())
}

/// The replica named in a chain's first record, if any.
fn replica_of(log: &Path) -> Option<String> {
    use std::io::{BufRead, Read};
    let file = std::fs::File::open(log).ok()?;
    let mut first = String::new();
    std::io::BufReader::new(file.take(64 * 1024))
        .read_line(&mut first)
        .ok()?;
    let record: serde_json::Value = serde_json::from_str(&first).ok()?;
    record.get("replica")?.as_str().map(str::to_owned)
}

/// Prints one report, headed by its chain when several are verified; the exit code it means
/// (2 when it could not be printed).
fn print_report(
    report: &VerifyReport,
    a: &VerifyArgs,
    key_source: &str,
    chain: Option<&PathBuf>,
) -> u8 {
    let replica = chain.and_then(|c| replica_of(c));
    let printed = match a.format {
        Format::Text => {
            if let Some(chain) = chain {
                let named = replica
                    .as_deref()
                    .map_or(String::new(), |r| format!(" (replica {r})"));
                println!("== {}{named}", chain.display());
            }
            print_report_text(report, key_source)
        }
        Format::Json => print_report_json(report, chain, replica.as_deref()),
    };
    if printed.is_err() {
        return 2;
    }
    report.exit_code()
}

fn read_verifier(path: &Path) -> Result<CheckpointVerifier, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    CheckpointVerifier::from_vkey(&text).ok_or_else(|| {
        format!(
            "{}: not a signed-note verifier key (name+id+key)",
            path.display()
        )
    })
}

/// `key_source` says where the MAC key came from ("in DIR", or the file given), for a report
/// that it is not this log's.
fn print_report_text(r: &VerifyReport, key_source: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let log = r.log_id.as_deref().unwrap_or("-");
    match &r.outcome {
        Outcome::Intact => {
            write!(
                out,
                "OK: {} records verified (log {log}, last epoch {})",
                r.records, r.last_epoch
            )?;
            match r.largest_checkpoint {
                Some(size) => writeln!(
                    out,
                    "; {} checkpoints verified, the largest covers {size}",
                    r.checkpoints_verified
                ),
                None => writeln!(
                    out,
                    "; no checkpoint checked (truncation at the end cannot be seen)"
                ),
            }
        }
        Outcome::TornTail(at) => writeln!(
            out,
            "TORN: {}:{}: the final line is incomplete (a crash mid-write, not tampering); the {} records before it verify",
            at.file, at.line, r.records
        ),
        Outcome::Failed(f) if f.class == FailureClass::WrongKey => writeln!(
            out,
            "FAILED: {}: {}: the audit key {key_source} does not belong to this log: {}\n\
             this is not a sign of tampering by itself; verify with the keys this log was written \
             with (--key-dir DIR, or --key FILE and --pubkey FILE)",
            f.at.file,
            f.class.as_str(),
            f.detail,
        ),
        Outcome::Failed(f) => writeln!(
            out,
            "FAILED: {}:{}: {}: {}\n{} records before it verify",
            f.at.file,
            f.at.line,
            f.class.as_str(),
            f.detail,
            r.records
        ),
    }
}

fn print_report_json(
    r: &VerifyReport,
    chain: Option<&PathBuf>,
    replica: Option<&str>,
) -> std::io::Result<()> {
    let status = match r.outcome {
        Outcome::Intact => "intact",
        Outcome::TornTail(_) => "torn",
        Outcome::Failed(_) => "failed",
    };
    let mut value = serde_json::json!({
        "status": status,
        "records": r.records,
        "log_id": r.log_id,
        "last_epoch": r.last_epoch,
        "root": r.root.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        "checkpoints_verified": r.checkpoints_verified,
        "largest_checkpoint": r.largest_checkpoint,
    });
    if let Some(chain) = chain {
        value["chain"] = serde_json::json!(chain.display().to_string());
        value["replica"] = serde_json::json!(replica);
    }
    match &r.outcome {
        Outcome::Failed(f) => {
            value["failure"] = serde_json::json!({
                "class": f.class.as_str(), "file": f.at.file, "line": f.at.line, "detail": f.detail,
            });
        }
        Outcome::TornTail(at) => {
            value["torn"] = serde_json::json!({ "file": at.file, "line": at.line })
        }
        Outcome::Intact => {}
    }
    writeln!(std::io::stdout().lock(), "{value}")
}

fn run_show(a: ShowArgs) -> Result<ExitCode, String> {
    let since = match &a.since {
        Some(text) => Some(
            parse_utc_millis(text)
                .ok_or_else(|| format!("--since {text:?}: not a UTC date or time"))?,
        ),
        None => None,
    };
    let mut rows: Vec<(Record, String)> = Vec::new();
    let mut scratch = Vec::new();
    for path in segments_of(&a.logs)? {
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        for (n, line) in bytes
            .split(|&b| b == b'\n')
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
        {
            let Some(record) = Record::parse_canonical(line, &mut scratch) else {
                eprintln!(
                    "sigil audit: {}:{}: not a record (run `sigil audit verify`)",
                    path.display(),
                    n + 1
                );
                continue;
            };
            let keep = a.principal.as_ref().is_none_or(|p| *p == record.principal)
                && a.tool
                    .as_ref()
                    .is_none_or(|t| Some(t) == record.tool.as_ref())
                && a.decision
                    .as_ref()
                    .is_none_or(|d| Some(d) == record.decision.as_ref())
                && a.event.as_ref().is_none_or(|e| *e == record.event)
                && since.is_none_or(|s| parse_utc_millis(&record.time).is_some_and(|t| t >= s));
            if keep {
                rows.push((record, String::from_utf8_lossy(line).into_owned()));
            }
        }
    }
    let printed = match a.format {
        Format::Json => print_lines(&rows),
        Format::Text => print_table(&rows),
    };
    Ok(if printed.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn print_lines(rows: &[(Record, String)]) -> std::io::Result<()> {
    let mut out = BufWriter::new(std::io::stdout().lock());
    for (_, line) in rows {
        writeln!(out, "{line}")?;
    }
    out.flush()
}

fn print_table(rows: &[(Record, String)]) -> std::io::Result<()> {
    const HEADERS: [&str; 7] = [
        "SEQ",
        "TIME",
        "EVENT",
        "PRINCIPAL",
        "TOOL",
        "DECISION",
        "DETAIL",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|(r, _)| {
            let rules = r
                .rules
                .iter()
                .flatten()
                .map(|(id, n)| format!("{id}×{n}"))
                .collect::<Vec<_>>()
                .join(" ");
            let detail = [r.reason.clone().unwrap_or_default(), rules]
                .into_iter()
                .filter(|s| !s.is_empty());
            [
                r.seq.to_string(),
                r.time.clone(),
                r.event.clone(),
                clip(&r.principal, 40),
                r.tool.clone().unwrap_or_else(|| "-".into()),
                r.decision.clone().unwrap_or_else(|| "-".into()),
                clip(&detail.collect::<Vec<_>>().join("; "), 60),
            ]
        })
        .collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = BufWriter::new(std::io::stdout().lock());
    let header = HEADERS.map(str::to_owned);
    for row in std::iter::once(&header).chain(&cells) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        writeln!(out, "{}", line.join("  ").trim_end())?;
    }
    writeln!(out, "{} records", cells.len())?;
    out.flush()
}

/// At most `max` characters, control characters shown as spaces, an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= max {
        return clean;
    }
    clean.chars().take(max - 1).chain(['…']).collect()
}

/// An event a script may append: any kind but those only the writer itself records.
fn event_kind(name: &str) -> Option<EventKind> {
    EventKind::parse(name).filter(|k| !matches!(k, EventKind::Checkpoint | EventKind::KeyEpoch))
}

fn run_append(a: AppendArgs) -> Result<ExitCode, String> {
    let kind =
        event_kind(&a.event).ok_or_else(|| format!("--event {:?}: unknown event", a.event))?;
    let keys = AuditKeys::load_or_create_in(&key_dir(a.key_dir)?).map_err(|e| e.to_string())?;
    let mut config = AuditConfig::default();
    if a.sync_every_record {
        config = config.durability(Durability::EveryRecord);
    }
    let log = AuditLog::open(&a.log, keys, config).map_err(|e| e.to_string())?;
    let mut event = AuditEvent::new(kind, a.principal);
    event.tool = a.tool;
    event.decision = a.decision;
    event.reason = a.reason;
    for _ in 0..a.count {
        log.append(event.clone()).map_err(|e| e.to_string())?;
    }
    log.close().map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}
