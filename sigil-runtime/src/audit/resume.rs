//! Reading an existing log back to continue its chain: last hash, next seq, epoch, Merkle state,
//! counters since the last epoch change and checkpoint. A torn final line (a crash mid-write)
//! is cut off: it was never acknowledged to anyone.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use super::error::AuditError;
use super::merkle::{MerkleRange, leaf_hash};
use super::record::Record;
use super::segments::lines;

/// What the existing segments say.
pub(crate) struct Resumed {
    pub(crate) log_id: Option<String>,
    pub(crate) next_seq: u64,
    pub(crate) prev: Option<[u8; 32]>,
    pub(crate) tree: MerkleRange,
    /// Epoch of the last record, and the last record itself with its MAC input.
    pub(crate) last: Option<(Record, Vec<u8>)>,
    pub(crate) records_in_epoch: u64,
    pub(crate) since_checkpoint: u64,
    pub(crate) torn_bytes_removed: u64,
    pub(crate) active_len: u64,
}

/// Scans `segments` (in order; the last is the active one).
pub(crate) fn resume(segments: &[PathBuf]) -> Result<Resumed, AuditError> {
    let mut out = Resumed {
        log_id: None,
        next_seq: 0,
        prev: None,
        tree: MerkleRange::new(),
        last: None,
        records_in_epoch: 0,
        since_checkpoint: 0,
        torn_bytes_removed: 0,
        active_len: 0,
    };
    let mut scratch = Vec::new();
    let mut last_line: Vec<u8> = Vec::new();
    for (index, path) in segments.iter().enumerate() {
        let bytes = std::fs::read(path).map_err(AuditError::io("read log", path))?;
        let mut complete_len = 0u64;
        for (line, terminated) in lines(&bytes) {
            if !terminated {
                if index + 1 != segments.len() {
                    return Err(corrupt(path, "a rotated segment ends in a torn line"));
                }
                out.torn_bytes_removed = u64::try_from(line.len()).unwrap_or(u64::MAX);
                break;
            }
            complete_len += u64::try_from(line.len()).unwrap_or(u64::MAX) + 1;
            let hash = leaf_hash(line);
            out.tree.push(hash);
            out.prev = Some(hash);
            if let Some(record) = Record::parse_canonical(line, &mut scratch) {
                if record.seq == 0 {
                    out.log_id.clone_from(&record.log);
                }
                let same_epoch = out
                    .last
                    .as_ref()
                    .is_some_and(|(r, _)| r.epoch == record.epoch);
                out.records_in_epoch = if same_epoch {
                    out.records_in_epoch + 1
                } else {
                    1
                };
                out.since_checkpoint = if record.event == "checkpoint" {
                    0
                } else {
                    out.since_checkpoint + 1
                };
                out.next_seq = record.seq + 1;
                out.last = Some((record, Vec::new()));
            } else {
                out.last = None;
            }
            last_line.clear();
            last_line.extend_from_slice(line);
        }
        if out.torn_bytes_removed > 0 {
            cut_torn_tail(path, complete_len)?;
        }
        out.active_len = complete_len;
    }
    if out.prev.is_some() && out.last.is_none() {
        let path = segments.last().map_or(Path::new(""), PathBuf::as_path);
        return Err(corrupt(path, "the last record is not a canonical record"));
    }
    if let Some((_, mac_input)) = out.last.as_mut() {
        let n = Record::mac_input_len(&last_line);
        mac_input.extend_from_slice(&last_line[..n]);
        mac_input.push(b'}');
    }
    Ok(out)
}

fn cut_torn_tail(path: &Path, complete_len: u64) -> Result<(), AuditError> {
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(AuditError::io("open log", path))?;
    file.set_len(complete_len)
        .map_err(AuditError::io("truncate torn line", path))?;
    file.sync_all().map_err(AuditError::io("sync log", path))
}

fn corrupt(path: &Path, problem: &'static str) -> AuditError {
    AuditError::CorruptLog {
        path: path.to_owned(),
        problem,
    }
}
