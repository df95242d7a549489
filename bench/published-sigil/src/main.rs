//! The published SIGIL scanner (`sigil-protocol` 0.1.5, its built-in patterns: the registry URL
//! given is unreachable on purpose, so it falls back to them) against our default pack, on the
//! same JSONL corpora, in one process: median of 5 rounds each, one message per scan.
//!
//! The published scanner answers "is anything sensitive here?" (`SensitivityScanner::scan`
//! stops at the first rule that matches and reports no span); ours finds every value with its
//! span, through JSON escapes and encodings. So its time is a lower bound on what a scan with
//! spans would cost it.

use std::time::Instant;

use sigil_protocol::SensitivityScanner;
use sigil_protocol::registry::RemoteScanner;
use sigil_runtime::scan::Scanner;

const ROUNDS: usize = 5;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let corpora: Vec<String> = std::env::args().skip(1).collect();
    if corpora.is_empty() {
        eprintln!("usage: published-sigil-bench CORPUS.jsonl...");
        std::process::exit(2);
    }
    let theirs = RemoteScanner::from_url("http://127.0.0.1:9/unreachable")
        .await
        .expect("falls back to the built-in patterns");
    let ours = Scanner::default_pack().expect("default pack");
    println!(
        "published: sigil-protocol 0.1.5, {} built-in rules ({:?}); ours: {} rules",
        theirs.rule_count(),
        theirs.source(),
        ours.rule_count()
    );
    println!(
        "{:<14} {:>7} {:>12} {:>10} {:>12} {:>10} {:>7}",
        "corpus", "MB", "published", "flagged", "ours", "with hits", "ratio"
    );
    for path in &corpora {
        let text = std::fs::read_to_string(path).expect("corpus");
        let lines: Vec<&str> = text.lines().collect();
        let mb = lines.iter().map(|l| l.len()).sum::<usize>() as f64 / 1e6;
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let (mut flagged, mut with_hits) = (0, 0);
        for round in 0..ROUNDS {
            let t = Instant::now();
            let n = lines.iter().filter(|l| theirs.scan(l).is_some()).count();
            a.push(mb / t.elapsed().as_secs_f64());
            let t = Instant::now();
            let m = lines
                .iter()
                .filter(|l| !ours.scan_json(l.as_bytes()).is_empty())
                .count();
            b.push(mb / t.elapsed().as_secs_f64());
            if round == 0 {
                (flagged, with_hits) = (n, m);
            }
        }
        let (a, b) = (median(a), median(b));
        let name = std::path::Path::new(path)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?");
        println!(
            "{name:<14} {mb:>7.1} {a:>8.0} MB/s {flagged:>10} {b:>8.0} MB/s {with_hits:>10} {:>6.1}x",
            b / a
        );
    }
}
