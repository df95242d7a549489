//! [`AuditLog`]: the file-backed audit sink. Appends are synchronous: when `append` returns `Ok`
//! the record was written with one `write(2)` (and synced, per [`Durability`](super::Durability)).
//! A background timer thread does the time-driven work (group-commit syncs, epoch changes and
//! checkpoints by time).

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Instant;

use super::checkpoint::{CheckpointVerifier, SignedCheckpoint, origin_for};
use super::config::AuditConfig;
use super::error::AuditError;
use super::event::{AuditEvent, AuditId, AuditSink};
use super::keys::AuditKeys;
use super::writer::Writer;

type Shared = Arc<Mutex<Option<Writer>>>;

/// An append-only, hash-chained, MACed and checkpointed audit log. See
/// `docs/src/audit-format.md` for what it writes.
pub struct AuditLog {
    shared: Shared,
    verifier: CheckpointVerifier,
    timer: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("signer", &self.verifier.vkey())
            .finish_non_exhaustive()
    }
}

impl AuditLog {
    /// Opens the log at `path` (segment 0), creating it (mode 0600, its directory 0700 if
    /// missing) or continuing its chain.
    ///
    /// A new log gets a random log id and key epoch 0 = `keys.mac_key`. An existing log is read
    /// back (its last hash, seq, epoch, Merkle state); the current epoch key comes from
    /// `<path>.key-state` when present, else it is derived forward from `keys.mac_key`. The
    /// initial MAC key is dropped (zeroized) once open returns. A torn final line left by a crash
    /// is cut off. Fails if another writer holds the log or the key does not match it.
    pub fn open(
        path: impl AsRef<Path>,
        keys: AuditKeys,
        config: AuditConfig,
    ) -> Result<Self, AuditError> {
        let verifier = keys.verifier();
        let period = config.tick_period();
        let writer = Writer::open(path.as_ref(), keys, config)?;
        let shared: Shared = Arc::new(Mutex::new(Some(writer)));
        let timer = period.map(|period| {
            let (stop, stopped) = mpsc::channel::<()>();
            let shared = Arc::clone(&shared);
            let handle = std::thread::Builder::new()
                .name("sigil-audit-timer".into())
                .spawn(move || {
                    while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(period) {
                        let Ok(mut guard) = shared.lock() else { return };
                        if let Some(writer) = guard.as_mut()
                            && let Err(error) = writer.tick(Instant::now())
                        {
                            writer.set_pending_error(error);
                        }
                    }
                });
            handle.map(|h| (stop, h))
        });
        let timer = timer
            .transpose()
            .map_err(AuditError::io("spawn timer thread", path.as_ref()))?;
        Ok(Self {
            shared,
            verifier,
            timer,
        })
    }

    fn writer(&self) -> Result<MutexGuard<'_, Option<Writer>>, AuditError> {
        self.shared.lock().map_err(|_| AuditError::Closed)
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Writer) -> Result<T, AuditError>,
    ) -> Result<T, AuditError> {
        let mut guard = self.writer()?;
        let writer = guard.as_mut().ok_or(AuditError::Closed)?;
        f(writer)
    }

    /// Seals and appends one event; `Ok` means it is in the file. Never drops an event.
    pub fn append(&self, event: AuditEvent) -> Result<AuditId, AuditError> {
        self.with(|w| {
            w.take_pending_error()?;
            w.append(event).map(AuditId)
        })
    }

    /// Writes a checkpoint now (if anything was written since the last one) and returns it.
    pub fn checkpoint(&self) -> Result<Option<SignedCheckpoint>, AuditError> {
        self.with(|w| w.checkpoint(Instant::now()))
    }

    /// Continues the chain in the next segment file (`<path>.1`, `<path>.2`, ...).
    pub fn rotate(&self) -> Result<(), AuditError> {
        self.with(Writer::rotate)
    }

    /// Moves to the next MAC key epoch now (erasing the current key).
    pub fn advance_epoch(&self) -> Result<(), AuditError> {
        self.with(|w| w.advance_epoch(Instant::now()))
    }

    /// Forces everything written so far to stable storage.
    pub fn sync(&self) -> Result<(), AuditError> {
        self.with(Writer::sync)
    }

    /// Writes the final checkpoint, syncs and closes. Dropping the log does the same, but
    /// cannot report a failure.
    pub fn close(mut self) -> Result<(), AuditError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), AuditError> {
        if let Some((stop, handle)) = self.timer.take() {
            drop(stop);
            let _ = handle.join();
        }
        let mut guard = self.writer()?;
        match guard.take() {
            Some(mut writer) => writer.close(),
            None => Ok(()),
        }
    }

    /// The log id (32 hex digits).
    pub fn log_id(&self) -> Result<String, AuditError> {
        self.with(|w| Ok(w.log_id().to_owned()))
    }

    /// The checkpoint origin line, `sigil-audit/<log id>`.
    pub fn origin(&self) -> Result<String, AuditError> {
        self.with(|w| Ok(origin_for(w.log_id())))
    }

    /// Number of records in the chain (the next record's seq).
    pub fn records(&self) -> Result<u64, AuditError> {
        self.with(|w| Ok(w.len()))
    }

    /// The current key epoch.
    pub fn epoch(&self) -> Result<u64, AuditError> {
        self.with(|w| Ok(w.epoch()))
    }

    /// The segment files so far, in chain order.
    pub fn segments(&self) -> Result<Vec<PathBuf>, AuditError> {
        self.with(|w| Ok(w.segment_paths()))
    }

    /// How many checkpoints the sink refused.
    pub fn checkpoint_sink_failures(&self) -> Result<u64, AuditError> {
        self.with(|w| Ok(w.sink_failures()))
    }

    /// Bytes of a torn final line cut off when the log was opened (0 if none).
    pub fn torn_bytes_removed(&self) -> Result<u64, AuditError> {
        self.with(|w| Ok(w.torn_bytes_removed()))
    }

    /// The verifier for this log's checkpoints.
    pub fn checkpoint_verifier(&self) -> &CheckpointVerifier {
        &self.verifier
    }
}

impl Drop for AuditLog {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

impl AuditSink for AuditLog {
    fn append(&self, event: AuditEvent) -> Result<AuditId, AuditError> {
        AuditLog::append(self, event)
    }

    fn describe(&self) -> String {
        match self.segments().ok().and_then(|s| s.into_iter().next()) {
            Some(path) => format!(
                "{} (signed and hash-chained; check it with `sigil audit verify {}`)",
                path.display(),
                path.display()
            ),
            None => "a signed, hash-chained log".to_owned(),
        }
    }

    fn finish(&self) -> Result<(), AuditError> {
        self.checkpoint().and_then(|_| self.sync())
    }
}
