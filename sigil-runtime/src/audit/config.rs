//! How an audit log is written: durability, epoch and checkpoint cadence, rotation.

use std::time::Duration;

use super::checkpoint::CheckpointSink;
use super::error::AuditError;

/// When written records are forced to stable storage (`fsync`). Every record is written with
/// one `write(2)` before `append` returns, so a process crash never loses an acknowledged record;
/// this setting bounds what a power failure or kernel crash can lose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Durability {
    /// `fsync` after every record, before `append` returns.
    EveryRecord,
    /// `fsync` once `max_records` records are unsynced, or `max_delay` after the oldest of them
    /// was written, whichever comes first (a background timer enforces the delay).
    GroupCommit {
        /// Unsynced records that force a sync.
        max_records: u32,
        /// Age of the oldest unsynced record that forces a sync.
        max_delay: Duration,
    },
    /// `fsync` only at checkpoints, rotation and close.
    AtCheckpoint,
}

/// Configuration of an [`AuditLog`](super::AuditLog). Start from `AuditConfig::default()`.
pub struct AuditConfig {
    pub(crate) durability: Durability,
    pub(crate) epoch_records: u64,
    pub(crate) epoch_interval: Option<Duration>,
    pub(crate) checkpoint_records: u64,
    pub(crate) checkpoint_interval: Option<Duration>,
    pub(crate) rotate_bytes: Option<u64>,
    pub(crate) sink: Option<Box<dyn CheckpointSink>>,
    pub(crate) replica: Option<String>,
}

impl Default for AuditConfig {
    /// Group commit (64 records / 200 ms); a new key epoch every 100,000 records or 15 minutes; a
    /// checkpoint every 1,000 records or 60 s; no size-based rotation; no outside sink.
    fn default() -> Self {
        Self {
            durability: Durability::GroupCommit {
                max_records: 64,
                max_delay: Duration::from_millis(200),
            },
            epoch_records: 100_000,
            epoch_interval: Some(Duration::from_secs(15 * 60)),
            checkpoint_records: 1_000,
            checkpoint_interval: Some(Duration::from_secs(60)),
            rotate_bytes: None,
            sink: None,
            replica: None,
        }
    }
}

impl std::fmt::Debug for AuditConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditConfig")
            .field("durability", &self.durability)
            .field("epoch_records", &self.epoch_records)
            .field("epoch_interval", &self.epoch_interval)
            .field("checkpoint_records", &self.checkpoint_records)
            .field("checkpoint_interval", &self.checkpoint_interval)
            .field("rotate_bytes", &self.rotate_bytes)
            .field("sink", &self.sink.is_some())
            .field("replica", &self.replica)
            .finish()
    }
}

impl AuditConfig {
    /// Sets the durability.
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// Moves to a new MAC key epoch after `records` records (0: never by count) or after
    /// `interval` (`None`: never by time), whichever comes first.
    pub fn epoch_every(mut self, records: u64, interval: Option<Duration>) -> Self {
        self.epoch_records = records;
        self.epoch_interval = interval;
        self
    }

    /// Writes a signed checkpoint after `records` records (0: never by count) or after
    /// `interval` (`None`: never by time). One is always written at close.
    pub fn checkpoint_every(mut self, records: u64, interval: Option<Duration>) -> Self {
        self.checkpoint_records = records;
        self.checkpoint_interval = interval;
        self
    }

    /// Continues the chain in a new file once the current one holds at least `bytes` bytes.
    pub fn rotate_at_bytes(mut self, bytes: Option<u64>) -> Self {
        self.rotate_bytes = bytes;
        self
    }

    /// Names the replica that writes this log in every record (`"replica":"bank-0"`), for a
    /// server that is one of several, each with its own chain. The name is at most 64 letters,
    /// digits, `.`, `_` or `-`; anything else is refused.
    pub fn replica(mut self, name: &str) -> Result<Self, AuditError> {
        let valid = (1..=64).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !valid {
            return Err(AuditError::BadReplicaName(name.chars().take(64).collect()));
        }
        self.replica = Some(name.to_owned());
        Ok(self)
    }

    /// Also hands every checkpoint to `sink` (for example, another machine).
    pub fn checkpoint_sink(mut self, sink: impl CheckpointSink) -> Self {
        self.sink = Some(Box::new(sink));
        self
    }

    /// How often the background timer must look, if at all.
    pub(crate) fn tick_period(&self) -> Option<Duration> {
        let group = match self.durability {
            Durability::GroupCommit { max_delay, .. } => Some(max_delay),
            _ => None,
        };
        [group, self.epoch_interval, self.checkpoint_interval]
            .into_iter()
            .flatten()
            .min()
            .map(|d| (d / 2).max(Duration::from_millis(5)))
    }
}
