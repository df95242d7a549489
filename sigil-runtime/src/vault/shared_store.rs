//! A [`VaultStore`] on the state seam: sealed records shared by every replica.
//!
//! Each record is one JSON line (the vault file's format: ciphertext and metadata, never a key)
//! under `sigil:vault:<pointer id>`, and again under `sigil:vault-dedup:<tag>` when it carries a
//! dedup tag, so that finding an equal value is one round trip too. The store's TTL is the
//! record's own expiry, so nothing needs purging here.

use std::time::{Duration, SystemTime};

use super::error::VaultError;
use super::pointer::PointerId;
use super::record::SealedRecord;
use super::record_line::RecordLine;
use super::store::VaultStore;
use crate::basics::unix_ms;
use crate::state::{self, SharedState};

/// Sealed records in a [`StateStore`](crate::state::StateStore), typically Redis.
pub struct SharedStore {
    state: SharedState,
}

impl SharedStore {
    /// Records in `state`.
    pub fn new(state: SharedState) -> Self {
        Self { state }
    }

    fn read(&self, key: &str) -> Result<Option<SealedRecord>, VaultError> {
        let Some(bytes) = self.state.get(key).map_err(VaultError::State)? else {
            return Ok(None);
        };
        // A value that does not parse is no record: its pointer resolves as unknown.
        Ok(serde_json::from_slice::<RecordLine>(&bytes)
            .ok()
            .and_then(RecordLine::into_record))
    }
}

fn dedup_key(tag: &[u8; 32]) -> String {
    state::key("vault-dedup", &super::hex::encode(tag))
}

impl VaultStore for SharedStore {
    fn put(&self, record: SealedRecord) -> Result<(), VaultError> {
        let left = record
            .expires_at_ms
            .saturating_sub(unix_ms(SystemTime::now()));
        if left == 0 {
            return Ok(());
        }
        let line = serde_json::to_vec(&RecordLine::from_record(&record))
            .map_err(|_| VaultError::Encrypt)?;
        let id_key = state::key("vault", &record.id.to_string());
        let tag_key = record.dedup.as_ref().map(dedup_key);
        let mut entries: Vec<(&str, &[u8])> = vec![(&id_key, &line)];
        if let Some(tag_key) = &tag_key {
            entries.push((tag_key, &line));
        }
        self.state
            .put(&entries, Duration::from_millis(left))
            .map_err(VaultError::State)
    }

    fn get(&self, id: &PointerId) -> Result<Option<SealedRecord>, VaultError> {
        self.read(&state::key("vault", &id.to_string()))
    }

    fn get_by_dedup(&self, tag: &[u8; 32]) -> Result<Option<SealedRecord>, VaultError> {
        self.read(&dedup_key(tag))
    }

    fn purge_expired(&self, _now_ms: u64) -> Result<usize, VaultError> {
        Ok(0)
    }

    fn len(&self) -> usize {
        0
    }

    fn kind_name(&self) -> &'static str {
        "shared"
    }
}
