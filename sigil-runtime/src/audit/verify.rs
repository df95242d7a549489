//! The offline verifier: checks every record's MAC under its own epoch's key, the hash chain,
//! the sequence and the epochs, then signed checkpoints against the Merkle tree, and says where
//! the first problem is and what kind it is. A log checked with another log's key is told apart
//! from a tampered one: see [`FailureClass::WrongKey`].

use std::collections::HashMap;
use std::path::PathBuf;

use super::checkpoint::{Checkpoint, CheckpointVerifier, NoteProblem, origin_for, split_notes};
use super::error::AuditError;
use super::genesis_prev;
use super::keys::MacKey;
use super::line_facts::{KeyChain, LineFacts, analyse};
use super::merkle::MerkleRange;
use super::record::{Record, to_hex};
use super::segments::lines;

/// The keys the verifier uses.
#[derive(Debug, Clone, Copy)]
pub struct VerifyKeys<'a> {
    /// The initial (epoch 0) MAC key.
    pub mac_key: &'a MacKey,
    /// The checkpoint signer's public key; needed when checkpoints are given.
    pub checkpoint_key: Option<&'a CheckpointVerifier>,
}

/// Where a problem is: a file (a log segment or a checkpoint file) and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as named to the verifier.
    pub file: String,
    /// 1-based line number.
    pub line: u64,
}

/// The kind of problem found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureClass {
    /// A record's bytes were changed (MAC, canonical form or chain link does not hold).
    Modified,
    /// A record is missing from the sequence.
    Deleted,
    /// Records are out of order.
    Reordered,
    /// An authentic record appears a second time.
    Replayed,
    /// The log is shorter than a signed checkpoint says.
    Truncated,
    /// A record is sealed with another epoch's key, or its epoch moved without a `key_epoch`
    /// record (what a thief of a later key could forge).
    WrongEpochKey,
    /// A checkpoint's signature does not verify under the given public key, or it is malformed.
    BadCheckpointSignature,
    /// A checkpoint names another log.
    CheckpointFromAnotherLog,
    /// The log's Merkle root at a checkpoint's size differs from the signed one (rewritten log).
    CheckpointMismatch,
    /// The MAC key given is not this log's: no record verifies under it, yet the records form an
    /// intact chain and no checkpoint signed by the given public key contradicts them. A single
    /// edited record cannot look like this; a log forged whole by someone without the key can,
    /// unless a checkpoint signed by the right key is given.
    WrongKey,
}

impl FailureClass {
    /// The wire name, snake_case.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Modified => "modified",
            Self::Deleted => "deleted",
            Self::Reordered => "reordered",
            Self::Replayed => "replayed",
            Self::Truncated => "truncated",
            Self::WrongEpochKey => "wrong_epoch_key",
            Self::BadCheckpointSignature => "bad_checkpoint_signature",
            Self::CheckpointFromAnotherLog => "checkpoint_from_another_log",
            Self::CheckpointMismatch => "checkpoint_mismatch",
            Self::WrongKey => "wrong_key",
        }
    }
}

/// The first problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What kind.
    pub class: FailureClass,
    /// Where.
    pub at: Location,
    /// A sentence for people (no key material).
    pub detail: String,
}

/// The verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every record and checkpoint verified.
    Intact,
    /// The final line is incomplete (a crash mid-write); every record before it verified.
    TornTail(Location),
    /// Tampering or damage, or keys that do not belong to the log.
    Failed(Failure),
}

/// What the verifier found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Records verified, from seq 0 (the intact prefix when something failed).
    pub records: u64,
    /// The log id from record 0.
    pub log_id: Option<String>,
    /// The key epoch of the last verified record.
    pub last_epoch: u64,
    /// RFC 6962 root over the verified records.
    pub root: [u8; 32],
    /// Checkpoints whose signature, origin and root all verified.
    pub checkpoints_verified: u64,
    /// The largest tree size among them.
    pub largest_checkpoint: Option<u64>,
    /// The verdict.
    pub outcome: Outcome,
}

impl VerifyReport {
    /// The process exit code for it: 0 intact, 1 tampered or damaged, 3 torn final line, 4 the
    /// key does not belong to this log.
    pub fn exit_code(&self) -> u8 {
        match &self.outcome {
            Outcome::Intact => 0,
            Outcome::Failed(f) if f.class == FailureClass::WrongKey => 4,
            Outcome::Failed(_) => 1,
            Outcome::TornTail(_) => 3,
        }
    }
}

/// Verifies the log made of `segments` (in chain order) and the checkpoint files
/// (`checkpoint_files`: each holds one or more notes).
pub fn verify(
    segments: &[PathBuf],
    keys: VerifyKeys<'_>,
    checkpoint_files: &[PathBuf],
) -> Result<VerifyReport, AuditError> {
    let read = |p: &PathBuf| std::fs::read(p).map_err(AuditError::io("read", p));
    let segs = segments
        .iter()
        .map(|p| Ok((p.display().to_string(), read(p)?)))
        .collect::<Result<Vec<_>, AuditError>>()?;
    let notes = checkpoint_files
        .iter()
        .map(|p| {
            Ok((
                p.display().to_string(),
                String::from_utf8_lossy(&read(p)?).into_owned(),
            ))
        })
        .collect::<Result<Vec<_>, AuditError>>()?;
    verify_bytes(&segs, keys, &notes)
}

/// [`verify`] over contents already in memory: `(name, bytes)` per segment and
/// `(name, text)` per checkpoint file.
pub fn verify_bytes(
    segments: &[(String, Vec<u8>)],
    keys: VerifyKeys<'_>,
    checkpoint_files: &[(String, String)],
) -> Result<VerifyReport, AuditError> {
    let checkpoints = match (
        checkpoint_files.iter().any(|(_, t)| !t.trim().is_empty()),
        keys.checkpoint_key,
    ) {
        (false, _) => Ok(Vec::new()),
        (true, None) => return Err(AuditError::CheckpointKeyMissing),
        (true, Some(verifier)) => check_signatures(checkpoint_files, verifier),
    };
    let wanted: Vec<u64> = checkpoints
        .as_ref()
        .map(|c| c.iter().map(|(c, _)| c.size).collect())
        .unwrap_or_default();
    let mut pass = ChainPass::new(keys.mac_key, segments, wanted.clone());
    let mut log_outcome = pass.run();
    if pass.mac_failed_at == Some(0)
        && let Some(failure) = wrong_key(keys.mac_key, segments, wanted, &checkpoints)
    {
        log_outcome = Some(Outcome::Failed(failure));
    }
    let mut report = VerifyReport {
        records: pass.tree.size(),
        log_id: pass.log_id.clone(),
        last_epoch: pass.epoch,
        root: pass.tree.root(),
        checkpoints_verified: 0,
        largest_checkpoint: None,
        outcome: Outcome::Intact,
    };
    report.outcome = match (log_outcome, checkpoints) {
        (Some(failed @ Outcome::Failed(_)), _) => failed,
        (_, Err(bad)) => Outcome::Failed(bad.failure),
        (torn, Ok(checkpoints)) => match pass.check_checkpoints(&checkpoints, &mut report) {
            Some(failure) => Outcome::Failed(failure),
            None => torn.unwrap_or(Outcome::Intact),
        },
    };
    Ok(report)
}

/// A checkpoint that did not verify, and why.
struct BadNote {
    failure: Failure,
    problem: NoteProblem,
}

/// Whether a log whose first MAC does not verify was only checked with another log's key: its
/// records, MACs aside, form an intact chain of at least two, not one MAC holds under the key,
/// and the given checkpoints are either signed by another key or vouch for the records as they
/// are. A log edited in place keeps some MAC that verifies or breaks its chain; a checkpoint
/// signed by the given key that disagrees, or was altered, is evidence of tampering. In those
/// cases this returns `None` and the failure found first stands.
fn wrong_key(
    mac_key: &MacKey,
    segments: &[(String, Vec<u8>)],
    wanted: Vec<u64>,
    checkpoints: &Result<Vec<(Checkpoint, Location)>, BadNote>,
) -> Option<Failure> {
    let mut probe = ChainPass::new(mac_key, segments, wanted);
    probe.count_macs_only = true;
    if matches!(probe.run(), Some(Outcome::Failed(_))) || probe.macs_holding > 0 {
        return None;
    }
    let records = probe.tree.size();
    if records < 2 {
        return None;
    }
    let evidence = match checkpoints {
        Ok(list) if list.is_empty() => "",
        Ok(list) => {
            let mut scratch = VerifyReport {
                records,
                log_id: None,
                last_epoch: 0,
                root: [0; 32],
                checkpoints_verified: 0,
                largest_checkpoint: None,
                outcome: Outcome::Intact,
            };
            if probe.check_checkpoints(list, &mut scratch).is_some() {
                return None;
            }
            "; checkpoints signed by the given public key cover them as they are, so only the \
             MAC key is not this log's"
        }
        Err(BadNote {
            problem: NoteProblem::OtherSigner,
            ..
        }) => "; its checkpoints are signed by another key than the given public key too",
        Err(_) => return None,
    };
    Some(Failure {
        class: FailureClass::WrongKey,
        at: probe.at(0),
        detail: format!(
            "none of its {records} records verifies under this MAC key, though their hash chain \
             is intact{evidence}"
        ),
    })
}

fn check_signatures(
    files: &[(String, String)],
    verifier: &CheckpointVerifier,
) -> Result<Vec<(Checkpoint, Location)>, BadNote> {
    let mut out = Vec::new();
    for (name, text) in files {
        for note in split_notes(text) {
            let offset = note.as_ptr() as usize - text.as_ptr() as usize;
            let line = text[..offset].matches('\n').count() as u64 + 1;
            let at = Location {
                file: name.clone(),
                line,
            };
            match verifier.verify(note) {
                Ok(cp) => out.push((cp, at)),
                Err(problem) => {
                    let detail = match problem {
                        NoteProblem::Malformed => "not a well-formed signed checkpoint".to_owned(),
                        _ => "no signature by the given key verifies".to_owned(),
                    };
                    return Err(BadNote {
                        failure: Failure {
                            class: FailureClass::BadCheckpointSignature,
                            at,
                            detail,
                        },
                        problem,
                    });
                }
            }
        }
    }
    Ok(out)
}

/// Lines analysed per parallel batch.
const BATCH: usize = 1 << 15;

/// The sequential pass over all lines.
struct ChainPass<'a> {
    lines: Vec<(usize, u64, &'a [u8], bool)>,
    names: Vec<&'a str>,
    keys: KeyChain,
    workers: Vec<KeyChain>,
    tree: MerkleRange,
    prev: [u8; 32],
    epoch: u64,
    log_id: Option<String>,
    wanted: Vec<u64>,
    roots: HashMap<u64, [u8; 32]>,
    last_located: Option<Location>,
    /// The line whose MAC verified under no epoch's key, when that was the failure.
    mac_failed_at: Option<usize>,
    /// Count the records whose MAC holds instead of stopping at one that does not (to tell a
    /// key that is not the log's from tampering).
    count_macs_only: bool,
    macs_holding: u64,
}

impl<'a> ChainPass<'a> {
    fn new(mac_key: &MacKey, segments: &'a [(String, Vec<u8>)], wanted: Vec<u64>) -> Self {
        let mut all = Vec::new();
        for (index, (_, bytes)) in segments.iter().enumerate() {
            for (n, (line, terminated)) in lines(bytes).enumerate() {
                all.push((index, n as u64 + 1, line, terminated));
            }
        }
        let cap = all.len() as u64;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        Self {
            lines: all,
            names: segments.iter().map(|(n, _)| n.as_str()).collect(),
            keys: KeyChain::new(mac_key, cap),
            workers: (0..threads).map(|_| KeyChain::new(mac_key, cap)).collect(),
            tree: MerkleRange::new(),
            prev: [0; 32],
            epoch: 0,
            log_id: None,
            wanted,
            roots: HashMap::new(),
            last_located: None,
            mac_failed_at: None,
            count_macs_only: false,
            macs_holding: 0,
        }
    }

    fn at(&self, i: usize) -> Location {
        let (seg, line, _, _) = self.lines[i];
        Location {
            file: self.names[seg].to_owned(),
            line,
        }
    }

    fn fail(&self, i: usize, class: FailureClass, detail: String) -> Option<Outcome> {
        Some(Outcome::Failed(Failure {
            class,
            at: self.at(i),
            detail,
        }))
    }

    fn run(&mut self) -> Option<Outcome> {
        if self.wanted.contains(&0) {
            self.roots.insert(0, self.tree.root());
        }
        let mut start = 0;
        while start < self.lines.len() {
            let end = (start + BATCH).min(self.lines.len());
            let batch: Vec<&[u8]> = self.lines[start..end].iter().map(|l| l.2).collect();
            let facts = analyse(&batch, &mut self.workers);
            for (offset, fact) in facts.into_iter().enumerate() {
                if let Some(outcome) = self.check(start + offset, fact) {
                    return Some(outcome);
                }
            }
            start = end;
        }
        None
    }

    /// The sequential checks of line `i`, given what the parallel phase found.
    fn check(&mut self, i: usize, fact: LineFacts) -> Option<Outcome> {
        let (seg, _, _, terminated) = self.lines[i];
        let expected = self.tree.size();
        if !terminated {
            if seg + 1 == self.names.len() {
                return Some(Outcome::TornTail(self.at(i)));
            }
            return self.fail(
                i,
                FailureClass::Modified,
                "a rotated segment ends without a newline".into(),
            );
        }
        let Some(record) = fact.record else {
            return self.fail(
                i,
                FailureClass::Modified,
                "not a record in canonical form".into(),
            );
        };
        if record.mac_ok {
            self.macs_holding += 1;
        } else if !self.count_macs_only {
            return self.classify_bad_mac(i);
        }
        if record.seq < expected {
            let first = self.line_of_seq(record.seq);
            return self.fail(
                i,
                FailureClass::Replayed,
                format!("record {} again (first at line {first})", record.seq),
            );
        }
        if record.seq > expected {
            let line = self.lines[i].2;
            if let Some(j) = (i + 1..self.lines.len()).find(|&j| self.lines[j].2 == line) {
                let detail = format!(
                    "record {} ahead of its place; it appears again at line {}",
                    record.seq,
                    self.at(j).line
                );
                return self.fail(i, FailureClass::Replayed, detail);
            }
            let later =
                (i + 1..self.lines.len()).find(|&j| peek_seq(self.lines[j].2) == Some(expected));
            return match later {
                Some(j) => {
                    let detail = format!(
                        "record {} where {expected} was expected; {expected} is at line {}",
                        record.seq,
                        self.at(j).line
                    );
                    self.fail(i, FailureClass::Reordered, detail)
                }
                None => {
                    let detail = format!("records {expected}..{} are missing", record.seq - 1);
                    self.fail(i, FailureClass::Deleted, detail)
                }
            };
        }
        let epoch_ok = if record.is_key_epoch && expected > 0 {
            record.epoch == self.epoch + 1
        } else {
            record.epoch == self.epoch
        };
        if !epoch_ok {
            let detail = format!(
                "epoch {} after epoch {} without a key_epoch step",
                record.epoch, self.epoch
            );
            return self.fail(i, FailureClass::WrongEpochKey, detail);
        }
        let expected_prev = match (expected, &record.log) {
            (0, Some(log)) if is_log_id(log) => genesis_prev(log),
            (0, _) => {
                return self.fail(
                    i,
                    FailureClass::Modified,
                    "record 0 lacks a valid log id".into(),
                );
            }
            (_, Some(_)) => {
                return self.fail(i, FailureClass::Modified, "log id outside record 0".into());
            }
            (_, None) => self.prev,
        };
        if record.prev != expected_prev {
            return self.fail(
                i,
                FailureClass::Modified,
                "prev does not match the previous line".into(),
            );
        }
        if expected == 0 {
            self.log_id = record.log;
        }
        self.epoch = record.epoch;
        self.prev = fact.leaf;
        self.tree.push(fact.leaf);
        self.last_located = Some(self.at(i));
        if self.wanted.contains(&self.tree.size()) {
            self.roots.insert(self.tree.size(), self.tree.root());
        }
        None
    }

    fn classify_bad_mac(&mut self, i: usize) -> Option<Outcome> {
        let line = self.lines[i].2;
        let record = Record::parse_canonical(line, &mut Vec::new())?;
        let body = &line[..Record::mac_input_len(line)];
        let highest = self.highest_epoch().max(self.epoch + 1);
        for epoch in (0..=highest).filter(|&e| e != record.epoch) {
            if self
                .keys
                .get(epoch)
                .is_some_and(|k| to_hex(&k.mac(&[body, b"}"])) == record.mac)
            {
                let detail = format!(
                    "claims epoch {} but is sealed with epoch {epoch}'s key",
                    record.epoch
                );
                return self.fail(i, FailureClass::WrongEpochKey, detail);
            }
        }
        self.mac_failed_at = Some(i);
        self.fail(i, FailureClass::Modified, "MAC does not verify".into())
    }

    /// The highest epoch any line claims (bounded by the line count).
    fn highest_epoch(&self) -> u64 {
        let mut scratch = Vec::new();
        self.lines
            .iter()
            .rev()
            .find_map(|(_, _, line, _)| {
                Record::parse_canonical(line, &mut scratch).map(|r| r.epoch)
            })
            .unwrap_or(0)
            .min(self.lines.len() as u64)
    }

    fn line_of_seq(&self, seq: u64) -> u64 {
        usize::try_from(seq)
            .ok()
            .and_then(|s| self.lines.get(s))
            .map_or(0, |l| l.1)
    }

    fn check_checkpoints(
        &self,
        checkpoints: &[(Checkpoint, Location)],
        report: &mut VerifyReport,
    ) -> Option<Failure> {
        let origin = self.log_id.as_deref().map(origin_for);
        for (cp, at) in checkpoints {
            if origin.as_deref() != Some(cp.origin.as_str()) && !(cp.size == 0 && origin.is_none())
            {
                let detail = format!("checkpoint is for {:?}", cp.origin);
                return Some(Failure {
                    class: FailureClass::CheckpointFromAnotherLog,
                    at: at.clone(),
                    detail,
                });
            }
            if cp.size > self.tree.size() {
                let at = self.end_location();
                let detail = format!(
                    "a checkpoint covers {} records; the log has {}",
                    cp.size,
                    self.tree.size()
                );
                return Some(Failure {
                    class: FailureClass::Truncated,
                    at,
                    detail,
                });
            }
            if self.roots.get(&cp.size) != Some(&cp.root) {
                let detail = format!(
                    "the log's root at size {} differs from the signed one",
                    cp.size
                );
                return Some(Failure {
                    class: FailureClass::CheckpointMismatch,
                    at: at.clone(),
                    detail,
                });
            }
            report.checkpoints_verified += 1;
            report.largest_checkpoint = report.largest_checkpoint.max(Some(cp.size));
        }
        None
    }

    /// The line after the last verified record.
    fn end_location(&self) -> Location {
        match &self.last_located {
            Some(l) => Location {
                file: l.file.clone(),
                line: l.line + 1,
            },
            None => Location {
                file: self
                    .names
                    .first()
                    .map_or_else(String::new, |n| (*n).to_owned()),
                line: 1,
            },
        }
    }
}

/// The seq of a canonical line, cheaply (`{"seq":N,`).
fn peek_seq(line: &[u8]) -> Option<u64> {
    let rest = line.strip_prefix(b"{\"seq\":")?;
    let end = rest.iter().position(|b| !b.is_ascii_digit())?;
    std::str::from_utf8(&rest[..end]).ok()?.parse().ok()
}

fn is_log_id(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}
