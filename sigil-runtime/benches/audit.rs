//! Audit trail throughput: appends per second under each durability, and verification speed,
//! each beside a naive baseline from the same run. Not a timed test: it prints figures.
//!
//! `cargo bench -p sigil-runtime --bench audit`

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use sigil_runtime::audit::{
    AuditConfig, AuditEvent, AuditKeys, AuditLog, Durability, EventKind, MacKey, Outcome,
    VerifyKeys, verify_bytes,
};

const BUFFERED: u32 = 200_000;
const GROUP: u32 = 50_000;
const FSYNC_EACH: u32 = 300;
/// Each throughput is the best of this many runs (the machine is shared with other work).
const RUNS: u32 = 3;

fn keys() -> AuditKeys {
    AuditKeys {
        mac_key: MacKey::from_bytes([0x5a; 32]),
        signing_key: SigningKey::from_bytes(&[0x17; 32]),
        signer_name: "sigil-audit".into(),
    }
}

/// A realistic event (~330 bytes sealed): principal, tool, decision, rules, digest, session.
fn event(i: u32) -> AuditEvent {
    let kind = if i.is_multiple_of(5) {
        EventKind::CallRefused
    } else {
        EventKind::CallAllowed
    };
    let mut e = AuditEvent::new(kind, "oidc:https://login.example.com#248289761001");
    e.tool = Some("transfer".into());
    e.decision = Some(
        if i.is_multiple_of(5) {
            "refused"
        } else {
            "allowed"
        }
        .into(),
    );
    if i.is_multiple_of(5) {
        e.reason = Some("trust low < required high".into());
    }
    if i.is_multiple_of(3) {
        e.rules = vec![("iban".into(), 1), ("aws_access_key_id".into(), 2)];
    }
    e.args_digest = Some(format!(
        "{:064x}",
        u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    ));
    e.session = Some("3f1c2a9e-session".into());
    e
}

fn rate(n: u32, elapsed: Duration) -> f64 {
    f64::from(n) / elapsed.as_secs_f64()
}

fn append_run(dir: &Path, name: &str, n: u32, config: AuditConfig) -> (f64, Vec<u8>) {
    let path = dir.join(name);
    for suffix in ["", ".checkpoints", ".key-state"] {
        let _ = std::fs::remove_file(dir.join(format!("{name}{suffix}")));
    }
    let events: Vec<AuditEvent> = (0..n).map(event).collect();
    let log = AuditLog::open(&path, keys(), config).expect("open");
    let start = Instant::now();
    for e in events {
        log.append(e).expect("append");
    }
    log.close().expect("close");
    let r = rate(n, start.elapsed());
    (r, std::fs::read(&path).expect("read log"))
}

/// The baseline: serialize each event with `serde_json::to_string` and write it with two
/// unbuffered `write` calls (record, newline); no hash, no MAC, no fsync.
fn naive_append(dir: &Path, run: u32, n: u32) -> f64 {
    #[derive(serde::Serialize)]
    struct Plain<'a> {
        seq: u32,
        event: &'a str,
        principal: &'a str,
        tool: Option<&'a str>,
        decision: Option<&'a str>,
        reason: Option<&'a str>,
        rules: &'a [(String, u32)],
        args_digest: Option<&'a str>,
        session: Option<&'a str>,
    }
    let events: Vec<AuditEvent> = (0..n).map(event).collect();
    let path = dir.join(format!("naive-{run}.jsonl"));
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .expect("open");
    let start = Instant::now();
    for (seq, e) in events.iter().enumerate() {
        let plain = Plain {
            seq: u32::try_from(seq).unwrap_or(u32::MAX),
            event: e.kind.as_str(),
            principal: &e.principal,
            tool: e.tool.as_deref(),
            decision: e.decision.as_deref(),
            reason: e.reason.as_deref(),
            rules: &e.rules,
            args_digest: e.args_digest.as_deref(),
            session: e.session.as_deref(),
        };
        let line = serde_json::to_string(&plain).expect("json");
        file.write_all(line.as_bytes()).expect("write");
        file.write_all(b"\n").expect("write");
    }
    let r = rate(n, start.elapsed());
    // Flush its dirty pages outside the timing, so that they do not slow the next run down.
    file.sync_all().expect("sync");
    r
}

/// The naive verifier: parse each line into a `serde_json::Value`, re-serialize it without
/// `mac`, key a fresh HMAC per line, hash the line for the chain.
fn naive_verify(log: &[u8]) -> f64 {
    let start = Instant::now();
    let mut n = 0u32;
    let mut ok = 0u32;
    let mut prev = [0u8; 32];
    for line in log.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let mut value: serde_json::Value = serde_json::from_slice(line).expect("json");
        let mac = value.as_object_mut().and_then(|o| o.remove("mac"));
        let body = serde_json::to_string(&value).expect("json");
        let mut h = <Hmac<Sha256> as KeyInit>::new_from_slice(&[0x5a; 32]).expect("key");
        h.update(body.as_bytes());
        let tag = h.finalize().into_bytes();
        ok += u32::from(mac.is_some() && tag[0] != prev[0]);
        prev = Sha256::new()
            .chain_update([0u8])
            .chain_update(line)
            .finalize()
            .into();
        n += 1;
    }
    std::hint::black_box(ok);
    rate(n, start.elapsed())
}

fn best(runs: impl Iterator<Item = f64>) -> f64 {
    runs.fold(0.0, f64::max)
}

fn main() {
    let dir = tempfile::Builder::new()
        .prefix("sigil-audit-bench")
        .tempdir_in("/var/tmp")
        .expect("tempdir");
    let dir = dir.path();
    println!(
        "audit bench: {BUFFERED} records per buffered run, ~330-byte records, best of {RUNS} runs\n"
    );

    let buffered_cfg = || {
        AuditConfig::default()
            .durability(Durability::AtCheckpoint)
            .checkpoint_every(10_000, None)
    };
    let (mut naive, mut buffered, mut log) = (0f64, 0f64, Vec::new());
    for run in 0..RUNS {
        naive = naive.max(naive_append(dir, run, BUFFERED));
        let (r, bytes) = append_run(dir, "buffered.jsonl", BUFFERED, buffered_cfg());
        buffered = buffered.max(r);
        log = bytes;
    }
    println!(
        "append, baseline (serde_json + 2 unbuffered writes, no chain/MAC): {naive:>10.0} rec/s"
    );
    println!(
        "append, buffered (AtCheckpoint, checkpoint every 10,000):         {buffered:>10.0} rec/s  ratio {:.2}x  goal >= 200,000",
        buffered / naive
    );

    let group_cfg = || {
        AuditConfig::default().durability(Durability::GroupCommit {
            max_records: 64,
            max_delay: Duration::from_millis(200),
        })
    };
    let group = best((0..RUNS).map(|_| append_run(dir, "group.jsonl", GROUP, group_cfg()).0));
    println!(
        "append, group commit (fsync per 64 records or 200 ms):            {group:>10.0} rec/s"
    );

    let each_cfg = || AuditConfig::default().durability(Durability::EveryRecord);
    let each = best((0..RUNS).map(|_| append_run(dir, "each.jsonl", FSYNC_EACH, each_cfg()).0));
    println!(
        "append, fsync per record ({FSYNC_EACH} records):                          {each:>10.0} rec/s"
    );

    let lines = u32::try_from(log.iter().filter(|&&b| b == b'\n').count()).expect("fits");
    let naive_v = best((0..RUNS).map(|_| naive_verify(&log)));
    let mac_key = MacKey::from_bytes([0x5a; 32]);
    let verifier = keys().verifier();
    let checkpoints =
        std::fs::read_to_string(dir.join("buffered.jsonl.checkpoints")).expect("checkpoints");
    let checkpoint_files = [("checkpoints".to_owned(), checkpoints)];
    let segments = [("buffered.jsonl".to_owned(), log)];
    let keys = VerifyKeys {
        mac_key: &mac_key,
        checkpoint_key: Some(&verifier),
    };
    let mut verified = 0;
    let ours_v = best((0..RUNS).map(|_| {
        let start = Instant::now();
        let report = verify_bytes(&segments, keys, &checkpoint_files).expect("verify");
        let r = rate(lines, start.elapsed());
        assert_eq!(report.outcome, Outcome::Intact);
        verified = report.checkpoints_verified;
        r
    }));
    println!(
        "\nverify, baseline (serde_json::Value re-serialize + fresh HMAC):    {naive_v:>10.0} rec/s"
    );
    println!(
        "verify, ours ({lines} records, {verified} checkpoints):                {ours_v:>10.0} rec/s  ratio {:.2}x  goal >= 500,000",
        ours_v / naive_v
    );
}
