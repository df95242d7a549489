//! Corpora that this repository did not write: `SIGIL_BENCH_CORPUS=a.jsonl[,b.jsonl…]`, one
//! MCP message per line (`scripts/make-corpora.py` builds such files from real source code,
//! API responses and logs). Each is scanned whole with `scan_json`, message by message, in
//! paired rounds: the default path, the portable path forced (no SIMD kernel, as
//! `SIGIL_SIMD=off` would), and the default path without each kernel in turn. A file `X.truth.jsonl` beside `X.jsonl`, in the format of
//! `SIGIL_CORPUS_DIR`'s `truth.jsonl` (`line` from 1, `start`/`end` byte offsets in that line,
//! `label`, `kind` or null for a decoy), adds recall and precision.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use sigil_runtime::scan::{Hit, Scanner};
use sigil_runtime::vault::DataKind;
use sigil_simd::Kernel;

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

/// The kernel sets compared in each round: every kernel (the default), none (the portable
/// path), and, where there is more than one kernel, every kernel but one, for each.
fn variants() -> Vec<(String, Vec<Kernel>)> {
    let every: Vec<Kernel> = Kernel::ALL.iter().map(|(k, _)| *k).collect();
    let mut v = vec![
        ("default".to_owned(), every.clone()),
        ("portable".to_owned(), Vec::new()),
    ];
    for (k, name) in Kernel::ALL.into_iter().filter(|_| Kernel::ALL.len() > 1) {
        v.push((
            format!("without {name}"),
            every.iter().copied().filter(|x| *x != k).collect(),
        ));
    }
    v
}

/// Benchmarks every corpus named in `SIGIL_BENCH_CORPUS`.
pub(crate) fn run(list: &str, scanner: &Scanner) {
    println!(
        "\nexternal corpora: scan_json per message, {ROUNDS} rounds; in each round the default \
         path, the portable path (no SIMD kernel) and the default without one kernel, in turn \
         (SIMD kernels {} on this CPU). MB/s is the median; a ratio is the median over rounds \
         of that round's time with the kernels / without (below 1: they help).",
        if sigil_simd::kernels_active() {
            "can run"
        } else {
            "CANNOT run"
        }
    );
    let variants = variants();
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
        let mut times = vec![Vec::new(); variants.len()];
        let mut cpu = vec![Vec::new(); variants.len()];
        let mut first_hits: Vec<Vec<Vec<Hit>>> = Vec::new();
        for round in 0..ROUNDS {
            for (i, (_, kernels)) in variants.iter().enumerate() {
                sigil_simd::set_kernels(kernels);
                let mut h = Vec::new();
                let t = crate::timed(|| h = scan_all(scanner, &messages));
                times[i].push(t.0.as_secs_f64());
                if let Some(c) = t.1 {
                    cpu[i].push(crate::mb_per_s(bytes, c));
                }
                if round == 0 {
                    first_hits.push(h);
                }
            }
        }
        sigil_simd::force_portable(false);
        for (i, (name, _)) in variants.iter().enumerate().skip(1) {
            assert!(
                same_hits(&first_hits[0], &first_hits[i]),
                "{}: the {name} variant found other hits than the default path",
                path.display()
            );
        }
        let mb_s = |i: usize| bytes as f64 / 1e6 / median(times[i].clone());
        let ratio = |i: usize| {
            let r: Vec<f64> = times[0].iter().zip(&times[i]).map(|(a, b)| a / b).collect();
            let (lo, hi) = r
                .iter()
                .fold((f64::MAX, 0f64), |(l, h), x| (l.min(*x), h.max(*x)));
            format!("{:.3} ({lo:.3}..{hi:.3})", median(r))
        };
        let cpu_of = |i: usize| {
            if cpu[i].is_empty() {
                "-".to_owned()
            } else {
                format!("{:.0}", median(cpu[i].clone()))
            }
        };
        println!(
            "\n  {}: {:.1} MB, {} messages",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("?"),
            bytes as f64 / 1e6,
            messages.len()
        );
        println!(
            "    {:<20} {:>7} {:>7}  ratio default/this",
            "", "MB/s", "cpu"
        );
        for (i, (name, _)) in variants.iter().enumerate() {
            let r = if i == 0 { String::new() } else { ratio(i) };
            println!("    {name:<20} {:>7.0} {:>7}  {r}", mb_s(i), cpu_of(i));
        }
        let hits = &first_hits[0];
        if messages.iter().any(|m| !m.planted.is_empty()) {
            crate::accuracy(&messages, hits);
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
