//! Corpora that this repository did not write: `SIGIL_BENCH_CORPUS=a.jsonl[,b.jsonl…]`, one
//! MCP message per line (`scripts/make-corpora.py` builds such files from real source code,
//! API responses and logs). Each is scanned whole with `scan_json`, message by message, in
//! several rounds, which must find the same hits. A file `X.truth.jsonl` beside `X.jsonl`, in the format of
//! `SIGIL_CORPUS_DIR`'s `truth.jsonl` (`line` from 1, `start`/`end` byte offsets in that line,
//! `label`, `kind` or null for a decoy), adds recall and precision.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use sigil_runtime::scan::{Hit, Scanner};
use sigil_runtime::vault::DataKind;

use crate::corpus::{Message, Planted};

/// Rounds per corpus.
const ROUNDS: usize = 7;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The messages of one JSONL file (empty lines skipped), with its truth if there is one.
fn load(path: &Path) -> Result<Vec<Message>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut messages: Vec<Message> = text
        .lines()
        .map(|l| Message {
            raw: l.to_owned(),
            planted: Vec::new(),
        })
        .collect();
    let truth_file = truth_path(path);
    if let Ok(truth) = std::fs::read_to_string(&truth_file) {
        for (n, line) in truth.lines().enumerate() {
            let where_ = || format!("{}:{}", truth_file.display(), n + 1);
            let v: serde_json::Value =
                serde_json::from_str(line).map_err(|e| format!("{}: {e}", where_()))?;
            let field = |k: &str| {
                v.get(k)
                    .and_then(serde_json::Value::as_u64)
                    .map(|x| x as usize)
                    .ok_or_else(|| format!("{}: no `{k}`", where_()))
            };
            let (line_no, start, end) = (field("line")?, field("start")?, field("end")?);
            let kind = match v.get("kind") {
                Some(serde_json::Value::String(k)) => {
                    Some(DataKind::parse(k).ok_or_else(|| format!("{}: kind {k:?}", where_()))?)
                }
                _ => None,
            };
            let label = v.get("label").and_then(|l| l.as_str()).unwrap_or("planted");
            let m = messages
                .get_mut(line_no.wrapping_sub(1))
                .ok_or_else(|| format!("{}: no line {line_no}", where_()))?;
            if start > end || end > m.raw.len() {
                return Err(format!("{}: span {start}..{end} out of the line", where_()));
            }
            m.planted.push(Planted {
                start,
                end,
                label: Box::leak(label.to_owned().into_boxed_str()),
                kind,
            });
        }
    }
    Ok(messages)
}

fn truth_path(path: &Path) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    path.with_file_name(match name.strip_suffix(".jsonl") {
        Some(stem) => format!("{stem}.truth.jsonl"),
        None => format!("{name}.truth.jsonl"),
    })
}

fn scan_all(scanner: &Scanner, messages: &[Message]) -> Vec<Vec<Hit>> {
    messages
        .iter()
        .map(|m| scanner.scan_json(black_box(m.raw.as_bytes())))
        .collect()
}

/// Benchmarks every corpus named in `SIGIL_BENCH_CORPUS`.
pub(crate) fn run(list: &str, scanner: &Scanner) {
    println!(
        "\nexternal corpora: scan_json per message, {ROUNDS} rounds; MB/s is the median, \
         with its range"
    );
    for path in list.split(',').filter(|p| !p.is_empty()) {
        let path = Path::new(path);
        let messages = match load(path) {
            Ok(m) => m,
            Err(e) => {
                println!("  {e}");
                std::process::exit(2);
            }
        };
        let bytes: usize = messages.iter().map(|m| m.raw.len()).sum();
        let (mut rates, mut cpu) = (Vec::new(), Vec::new());
        let mut first_hits: Option<Vec<Vec<Hit>>> = None;
        for _ in 0..ROUNDS {
            let mut h = Vec::new();
            let t = crate::timed(|| h = scan_all(scanner, &messages));
            rates.push(crate::mb_per_s(bytes, t.0));
            if let Some(c) = t.1 {
                cpu.push(crate::mb_per_s(bytes, c));
            }
            match &first_hits {
                None => first_hits = Some(h),
                Some(first) => assert!(same_hits(first, &h), "hits differ between rounds"),
            }
        }
        let (lo, hi) = rates
            .iter()
            .fold((f64::MAX, 0f64), |(l, h), x| (l.min(*x), h.max(*x)));
        let cpu = if cpu.is_empty() {
            "-".to_owned()
        } else {
            format!("{:.0}", median(cpu))
        };
        println!(
            "\n  {}: {:.1} MB, {} messages: {:.0} MB/s ({lo:.0}..{hi:.0}), {cpu} per CPU-second",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("?"),
            bytes as f64 / 1e6,
            messages.len(),
            median(rates),
        );
        let hits = first_hits.unwrap_or_default();
        if messages.iter().any(|m| !m.planted.is_empty()) {
            crate::accuracy(&messages, &hits);
        } else {
            let n: usize = hits.iter().map(Vec::len).sum();
            println!(
                "    {n} hits, no truth file ({})",
                truth_path(path).display()
            );
        }
    }
}

fn same_hits(a: &[Vec<Hit>], b: &[Vec<Hit>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(h, g)| h.span == g.span && h.rule == g.rule)
        })
}
