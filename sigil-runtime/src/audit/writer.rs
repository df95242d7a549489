//! The single-threaded heart of the log: seals records, keeps the chain, the Merkle state, the
//! epoch key, checkpoints, durability and rotation. [`AuditLog`](super::AuditLog) wraps it in a
//! mutex and a timer.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ed25519_dalek::SigningKey;

use super::checkpoint::{Checkpoint, SignedCheckpoint, origin_for};
use super::config::{AuditConfig, Durability};
use super::epoch_key::EpochKey;
use super::error::AuditError;
use super::event::AuditEvent;
use super::keys::{AuditKeys, create_private_dir};
use super::merkle::{MerkleRange, leaf_hash};
use super::record::{RecordFields, push_hex, to_hex};
use super::resume::resume;
use super::secret_file::sync_parent;
use super::segments::{checkpoints_path, discover_segments, key_state_path, segment_path};
use super::{genesis_prev, key_state};
use crate::basics::now_ms;

/// The principal of records the log writes itself (`key_epoch`, `checkpoint`).
pub(crate) const SELF_PRINCIPAL: &str = "sigil";

pub(crate) struct Writer {
    base: PathBuf,
    _lock: File,
    segment: u32,
    file: File,
    file_len: u64,
    log_id: String,
    seq: u64,
    prev: [u8; 32],
    tree: MerkleRange,
    key: EpochKey,
    epoch_started: Instant,
    records_in_epoch: u64,
    since_checkpoint: u64,
    last_checkpoint: Instant,
    unsynced: u32,
    oldest_unsynced: Option<Instant>,
    signing_key: SigningKey,
    signer_name: String,
    config: AuditConfig,
    sidecar: Option<File>,
    sink_failures: u64,
    torn_bytes_removed: u64,
    pending_epoch_record: bool,
    /// A partial write could not be undone: the file is in an unknown state.
    broken: bool,
    /// A failure of the background timer, reported by the next append.
    pending_error: Option<AuditError>,
    buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn open(
        base: &Path,
        keys: AuditKeys,
        config: AuditConfig,
    ) -> Result<Self, AuditError> {
        let AuditKeys {
            mac_key,
            signing_key,
            signer_name,
        } = keys;
        if let Some(parent) = base.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_private_dir(parent)?;
        }
        let lock = open_append(base, false)?;
        lock.try_lock().map_err(|_| AuditError::Locked {
            path: base.to_owned(),
        })?;
        sync_parent(base)?;
        let segments = discover_segments(base);
        let resumed = resume(&segments)?;
        let state_path = key_state_path(base);
        let state = key_state::read(&state_path)?;
        let log_id = match (&resumed.log_id, &state) {
            (Some(id), Some(s)) if *id != s.log_id => {
                return Err(AuditError::CorruptLog {
                    path: state_path,
                    problem: "key state belongs to another log",
                });
            }
            (Some(id), _) => id.clone(),
            (None, Some(s)) if resumed.next_seq == 0 => s.log_id.clone(),
            (None, _) if resumed.next_seq == 0 => new_log_id()?,
            (None, _) => {
                return Err(AuditError::CorruptLog {
                    path: base.to_owned(),
                    problem: "record 0 is missing its log id",
                });
            }
        };
        let last_epoch = resumed.last.as_ref().map_or(0, |(r, _)| r.epoch);
        let mut key = state.map_or_else(|| EpochKey::new(0, mac_key.bytes()), |s| s.key);
        drop(mac_key);
        if key.epoch() > last_epoch + 1 {
            return Err(AuditError::CorruptLog {
                path: state_path,
                problem: "key state is ahead of the log",
            });
        }
        while key.epoch() < last_epoch {
            key.advance();
        }
        if let Some((record, mac_input)) = &resumed.last
            && key.epoch() == record.epoch
            && to_hex(&key.mac(&[mac_input])) != record.mac
        {
            return Err(AuditError::KeyMismatch {
                path: base.to_owned(),
            });
        }
        key_state::write(&state_path, &log_id, &key)?;
        let segment = u32::try_from(segments.len().saturating_sub(1)).unwrap_or(u32::MAX);
        let file = open_append(&segment_path(base, segment), false)?;
        let now = Instant::now();
        Ok(Self {
            base: base.to_owned(),
            _lock: lock,
            segment,
            file,
            file_len: resumed.active_len,
            prev: resumed.prev.unwrap_or_else(|| genesis_prev(&log_id)),
            log_id,
            seq: resumed.next_seq,
            tree: resumed.tree,
            pending_epoch_record: key.epoch() > last_epoch,
            key,
            epoch_started: now,
            records_in_epoch: resumed.records_in_epoch,
            since_checkpoint: resumed.since_checkpoint,
            last_checkpoint: now,
            unsynced: 0,
            oldest_unsynced: None,
            signing_key,
            signer_name,
            config,
            sidecar: None,
            sink_failures: 0,
            torn_bytes_removed: resumed.torn_bytes_removed,
            broken: false,
            pending_error: None,
            buf: Vec::with_capacity(512),
        })
    }

    pub(crate) fn log_id(&self) -> &str {
        &self.log_id
    }
    pub(crate) fn len(&self) -> u64 {
        self.seq
    }
    pub(crate) fn epoch(&self) -> u64 {
        self.key.epoch()
    }
    pub(crate) fn segment_paths(&self) -> Vec<PathBuf> {
        (0..=self.segment)
            .map(|i| segment_path(&self.base, i))
            .collect()
    }
    pub(crate) fn sink_failures(&self) -> u64 {
        self.sink_failures
    }
    pub(crate) fn torn_bytes_removed(&self) -> u64 {
        self.torn_bytes_removed
    }

    pub(crate) fn set_pending_error(&mut self, error: AuditError) {
        self.pending_error = Some(error);
    }

    pub(crate) fn take_pending_error(&mut self) -> Result<(), AuditError> {
        self.pending_error.take().map_or(Ok(()), Err)
    }

    /// Seals and writes one event; returns its seq.
    pub(crate) fn append(&mut self, event: AuditEvent) -> Result<u64, AuditError> {
        self.maintain(Instant::now())?;
        let rules = normalise_rules(event.rules);
        self.write_record(
            event.kind.as_str(),
            &event.principal,
            [
                event.tool.as_deref(),
                event.decision.as_deref(),
                event.reason.as_deref(),
            ],
            &rules,
            [event.args_digest.as_deref(), event.session.as_deref()],
        )
    }

    /// Count- and size-driven work due before the next record.
    fn maintain(&mut self, now: Instant) -> Result<(), AuditError> {
        if self.broken {
            return Err(AuditError::Closed);
        }
        if self.pending_epoch_record {
            self.write_epoch_record(now)?;
        }
        if self
            .config
            .rotate_bytes
            .is_some_and(|limit| self.file_len >= limit)
        {
            self.rotate()?;
        }
        let epoch_due =
            self.config.epoch_records > 0 && self.records_in_epoch >= self.config.epoch_records;
        if epoch_due || self.epoch_time_due(now) {
            self.advance_epoch(now)?;
        }
        let checkpoint_due = self.config.checkpoint_records > 0
            && self.since_checkpoint >= self.config.checkpoint_records;
        if checkpoint_due || self.checkpoint_time_due(now) {
            self.checkpoint(now)?;
        }
        Ok(())
    }

    /// Time-driven work, from the background timer.
    pub(crate) fn tick(&mut self, now: Instant) -> Result<(), AuditError> {
        if self.broken {
            return Ok(());
        }
        if let (Durability::GroupCommit { max_delay, .. }, Some(oldest)) =
            (self.config.durability, self.oldest_unsynced)
            && now.duration_since(oldest) >= max_delay
        {
            self.sync()?;
        }
        if self.epoch_time_due(now) {
            self.advance_epoch(now)?;
        }
        if self.checkpoint_time_due(now) {
            self.checkpoint(now)?;
        }
        Ok(())
    }

    fn epoch_time_due(&self, now: Instant) -> bool {
        self.config
            .epoch_interval
            .is_some_and(|t| now.duration_since(self.epoch_started) >= t)
    }

    fn checkpoint_time_due(&self, now: Instant) -> bool {
        self.since_checkpoint > 0
            && self
                .config
                .checkpoint_interval
                .is_some_and(|t| now.duration_since(self.last_checkpoint) >= t)
    }

    /// Moves to the next key epoch: persists the new key, erases the old one, then writes the
    /// `key_epoch` record (the first record of the new epoch).
    pub(crate) fn advance_epoch(&mut self, now: Instant) -> Result<(), AuditError> {
        let next = self.key.next();
        key_state::write(&key_state_path(&self.base), &self.log_id, &next)?;
        self.key = next;
        self.pending_epoch_record = true;
        self.write_epoch_record(now)
    }

    fn write_epoch_record(&mut self, now: Instant) -> Result<(), AuditError> {
        self.epoch_started = now;
        self.records_in_epoch = 0;
        self.write_record("key_epoch", SELF_PRINCIPAL, [None; 3], &[], [None; 2])?;
        self.pending_epoch_record = false;
        Ok(())
    }

    /// Writes a `checkpoint` record, syncs the log, signs the tree over everything up to and
    /// including that record, appends the note to `<log>.checkpoints` and hands it to the sink.
    /// Nothing is done when no record was written since the last checkpoint.
    pub(crate) fn checkpoint(
        &mut self,
        now: Instant,
    ) -> Result<Option<SignedCheckpoint>, AuditError> {
        if self.since_checkpoint == 0 {
            return Ok(None);
        }
        let reason = format!("tree_size {}", self.seq + 1);
        self.write_record(
            "checkpoint",
            SELF_PRINCIPAL,
            [None, None, Some(&reason)],
            &[],
            [None; 2],
        )?;
        self.sync()?;
        let signed = Checkpoint {
            origin: origin_for(&self.log_id),
            size: self.tree.size(),
            root: self.tree.root(),
        }
        .sign(&self.signer_name, &self.signing_key);
        let path = checkpoints_path(&self.base);
        if self.sidecar.is_none() {
            self.sidecar = Some(open_append(&path, false)?);
        }
        if let Some(sidecar) = self.sidecar.as_mut() {
            let text = format!("{}\n", signed.note);
            sidecar
                .write_all(text.as_bytes())
                .map_err(AuditError::io("write checkpoint", &path))?;
            sidecar
                .sync_data()
                .map_err(AuditError::io("sync checkpoint", &path))?;
        }
        if let Some(sink) = self.config.sink.as_mut()
            && sink.publish(&signed).is_err()
        {
            self.sink_failures += 1;
        }
        self.since_checkpoint = 0;
        self.last_checkpoint = now;
        Ok(Some(signed))
    }

    /// Continues the chain in the next segment file.
    pub(crate) fn rotate(&mut self) -> Result<(), AuditError> {
        if self.file_len == 0 {
            return Ok(());
        }
        self.sync()?;
        let path = segment_path(&self.base, self.segment + 1);
        let file = open_append(&path, true)?;
        sync_parent(&path)?;
        self.file = file;
        self.segment += 1;
        self.file_len = 0;
        Ok(())
    }

    /// Forces written records to stable storage.
    pub(crate) fn sync(&mut self) -> Result<(), AuditError> {
        if self.unsynced > 0 {
            let path = segment_path(&self.base, self.segment);
            self.file
                .sync_data()
                .map_err(AuditError::io("sync log", path))?;
        }
        self.unsynced = 0;
        self.oldest_unsynced = None;
        Ok(())
    }

    /// The final checkpoint and sync.
    pub(crate) fn close(&mut self) -> Result<(), AuditError> {
        if self.broken {
            return Err(AuditError::Closed);
        }
        if self.pending_epoch_record {
            self.write_epoch_record(Instant::now())?;
        }
        self.checkpoint(Instant::now())?;
        self.sync()
    }

    fn write_record(
        &mut self,
        event: &str,
        principal: &str,
        [tool, decision, reason]: [Option<&str>; 3],
        rules: &[(String, u64)],
        [args_digest, session]: [Option<&str>; 2],
    ) -> Result<u64, AuditError> {
        let buf = &mut self.buf;
        buf.clear();
        RecordFields {
            seq: self.seq,
            log: (self.seq == 0).then_some(self.log_id.as_str()),
            time_millis: now_ms(),
            epoch: self.key.epoch(),
            event,
            principal,
            tool,
            decision,
            reason,
            rules,
            args_digest,
            session,
            replica: self.config.replica.as_deref(),
            prev: &self.prev,
        }
        .encode_body(buf);
        let mac = self.key.mac(&[buf, b"}"]);
        buf.extend_from_slice(b",\"mac\":\"");
        push_hex(&mac, buf);
        buf.extend_from_slice(b"\"}\n");
        if let Err(source) = self.file.write_all(buf) {
            // Undo a partial write so the next record does not land after a fragment.
            if self.file.set_len(self.file_len).is_err() {
                self.broken = true;
            }
            let path = segment_path(&self.base, self.segment);
            return Err(AuditError::Io {
                op: "write record",
                path,
                source,
            });
        }
        self.file_len += u64::try_from(buf.len()).unwrap_or(u64::MAX);
        let hash = leaf_hash(&buf[..buf.len() - 1]);
        self.prev = hash;
        self.tree.push(hash);
        let seq = self.seq;
        self.seq += 1;
        self.records_in_epoch += 1;
        self.since_checkpoint += 1;
        self.unsynced = self.unsynced.saturating_add(1);
        self.oldest_unsynced.get_or_insert_with(Instant::now);
        match self.config.durability {
            Durability::EveryRecord => self.sync()?,
            Durability::GroupCommit { max_records, .. } if self.unsynced >= max_records => {
                self.sync()?
            }
            _ => {}
        }
        Ok(seq)
    }
}

/// Sorted by id (byte order), duplicate ids summed.
fn normalise_rules(mut rules: Vec<(String, u32)>) -> Vec<(String, u64)> {
    rules.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut out: Vec<(String, u64)> = Vec::with_capacity(rules.len());
    for (id, count) in rules {
        match out.last_mut() {
            Some((last, total)) if *last == id => *total += u64::from(count),
            _ => out.push((id, u64::from(count))),
        }
    }
    out
}

fn new_log_id() -> Result<String, AuditError> {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).map_err(|_| AuditError::Random)?;
    Ok(to_hex(&id))
}

/// Opens for appending (O_APPEND), creating with mode 0600; `create_new` refuses an existing file.
fn open_append(path: &Path, create_new: bool) -> Result<File, AuditError> {
    let mut options = OpenOptions::new();
    options.append(true).mode(0o600);
    if create_new {
        options.create_new(true);
    } else {
        options.create(true);
    }
    options.open(path).map_err(AuditError::io("open", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_sorted_and_merged() {
        let rules = vec![("iban".into(), 1), ("aws".into(), 2), ("iban".into(), 3)];
        assert_eq!(
            normalise_rules(rules),
            vec![("aws".to_owned(), 2), ("iban".to_owned(), 4)]
        );
    }
}
