//! Corpora that this repository did not write: `SIGIL_BENCH_CORPUS=a.jsonl[,b.jsonl…]`, one
//! MCP message per line (`scripts/make-corpora.py` builds such files from real source code,
//! API responses and logs). Each is scanned whole with `scan_json`, message by message, in
//! paired rounds: the default path, then the portable path forced (no SIMD kernel), as
//! `SIGIL_SIMD=off` would. A file `X.truth.jsonl` beside `X.jsonl`, in the format of
//! `SIGIL_CORPUS_DIR`'s `truth.jsonl` (`line` from 1, `start`/`end` byte offsets in that line,
//! `label`, `kind` or null for a decoy), adds recall and precision.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use sigil_runtime::scan::{Hit, Scanner};
use sigil_runtime::vault::DataKind;

use crate::corpus::{Message, Planted};

/// Paired rounds per corpus.
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
        "\nexternal corpora (scan_json per message; {ROUNDS} paired rounds, default path then \
         portable path forced; SIMD kernels {} on this CPU)",
        if sigil_simd::kernels_active() {
            "active"
        } else {
            "NOT active"
        }
    );
    println!(
        "  {:<22} {:>8} {:>9} {:>9} {:>9} {:>9} {:>22}",
        "corpus", "MB", "default", "(cpu)", "portable", "(cpu)", "time default/portable"
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
        let (mut simd, mut portable, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        let (mut simd_cpu, mut portable_cpu) = (Vec::new(), Vec::new());
        let mut hits = Vec::new();
        let mut portable_hits = Vec::new();
        for round in 0..ROUNDS {
            sigil_simd::force_portable(false);
            let mut h = Vec::new();
            let a = crate::timed(|| h = scan_all(scanner, &messages));
            sigil_simd::force_portable(true);
            let mut p = Vec::new();
            let b = crate::timed(|| p = scan_all(scanner, &messages));
            if round == 0 {
                hits = h;
                portable_hits = p;
            }
            simd.push(crate::mb_per_s(bytes, a.0));
            portable.push(crate::mb_per_s(bytes, b.0));
            if let (Some(ca), Some(cb)) = (a.1, b.1) {
                simd_cpu.push(crate::mb_per_s(bytes, ca));
                portable_cpu.push(crate::mb_per_s(bytes, cb));
            }
            ratios.push(a.0.as_secs_f64() / b.0.as_secs_f64().max(1e-9));
        }
        sigil_simd::force_portable(false);
        assert!(
            same_hits(&hits, &portable_hits),
            "{}: the portable path found other hits than the default path",
            path.display()
        );
        let cpu = |v: &Vec<f64>| {
            if v.is_empty() {
                "-".to_owned()
            } else {
                format!("{:.0}", median(v.clone()))
            }
        };
        let mut sorted = ratios.clone();
        sorted.sort_by(f64::total_cmp);
        println!(
            "  {:<22} {:>8.1} {:>9.0} {:>9} {:>9.0} {:>9} {:>8.3} ({:.3}..{:.3})",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("?"),
            bytes as f64 / 1e6,
            median(simd),
            cpu(&simd_cpu),
            median(portable),
            cpu(&portable_cpu),
            median(ratios),
            sorted[0],
            sorted[sorted.len() - 1]
        );
        let n_hits: usize = hits.iter().map(Vec::len).sum();
        if messages.iter().any(|m| !m.planted.is_empty()) {
            crate::accuracy(&messages, &hits);
        } else {
            println!(
                "    {n_hits} hits, no truth file ({})",
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
