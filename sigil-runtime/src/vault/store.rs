//! Where sealed records live: the [`VaultStore`] trait and the default in-memory store.

use std::collections::HashMap;
use std::sync::RwLock;

use super::error::VaultError;
use super::pointer::PointerId;
use super::record::SealedRecord;

/// Storage for sealed records. Implementations only ever see ciphertext and metadata.
///
/// Putting a record with an id already present replaces it (a refresh of the same pointer).
#[diagnostic::on_unimplemented(
    note = "`{Self}` is not a vault store; use `MemoryStore`, `FileStore` or `SharedStore`, or implement \
            `sigil_runtime::vault::VaultStore`"
)]
pub trait VaultStore: Send + Sync {
    /// Stores or replaces a record.
    fn put(&self, record: SealedRecord) -> Result<(), VaultError>;
    /// The record with this id, if any (expired or not). `Err` when the store cannot be read:
    /// the vault then fails closed.
    fn get(&self, id: &PointerId) -> Result<Option<SealedRecord>, VaultError>;
    /// The record carrying this dedup tag, if any.
    fn get_by_dedup(&self, tag: &[u8; 32]) -> Result<Option<SealedRecord>, VaultError>;
    /// Drops every record expired at `now_ms`; returns how many were dropped.
    fn purge_expired(&self, now_ms: u64) -> Result<usize, VaultError>;
    /// How many records are held (a store shared with other processes says 0: it does not
    /// count them).
    fn len(&self) -> usize;
    /// Whether no record is held.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// A short name for `Debug` output (`"memory"`, `"file"`).
    fn kind_name(&self) -> &'static str;
}

/// A store shared between several vaults (as replicas share one Redis, or tests share one
/// memory store) is the store itself.
impl<T: VaultStore + ?Sized> VaultStore for std::sync::Arc<T> {
    fn put(&self, record: SealedRecord) -> Result<(), VaultError> {
        (**self).put(record)
    }
    fn get(&self, id: &PointerId) -> Result<Option<SealedRecord>, VaultError> {
        (**self).get(id)
    }
    fn get_by_dedup(&self, tag: &[u8; 32]) -> Result<Option<SealedRecord>, VaultError> {
        (**self).get_by_dedup(tag)
    }
    fn purge_expired(&self, now_ms: u64) -> Result<usize, VaultError> {
        (**self).purge_expired(now_ms)
    }
    fn len(&self) -> usize {
        (**self).len()
    }
    fn kind_name(&self) -> &'static str {
        (**self).kind_name()
    }
}

/// Records indexed by id and by dedup tag.
#[derive(Default)]
pub(crate) struct RecordIndex {
    by_id: HashMap<PointerId, SealedRecord>,
    by_dedup: HashMap<[u8; 32], PointerId>,
}

impl RecordIndex {
    pub(crate) fn insert(&mut self, record: SealedRecord) {
        if let Some(tag) = self.by_id.remove(&record.id).and_then(|old| old.dedup) {
            self.by_dedup.remove(&tag);
        }
        if let Some(tag) = record.dedup {
            self.by_dedup.insert(tag, record.id);
        }
        self.by_id.insert(record.id, record);
    }

    pub(crate) fn get(&self, id: &PointerId) -> Option<&SealedRecord> {
        self.by_id.get(id)
    }

    pub(crate) fn get_by_dedup(&self, tag: &[u8; 32]) -> Option<&SealedRecord> {
        self.by_id.get(self.by_dedup.get(tag)?)
    }

    pub(crate) fn purge_expired(&mut self, now_ms: u64) -> usize {
        let before = self.by_id.len();
        self.by_id.retain(|_, r| !r.is_expired(now_ms));
        let by_id = &self.by_id;
        self.by_dedup.retain(|_, id| by_id.contains_key(id));
        before - self.by_id.len()
    }

    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    pub(crate) fn records(&self) -> impl Iterator<Item = &SealedRecord> {
        self.by_id.values()
    }
}

/// The default store: records in memory, gone when the process ends.
#[derive(Default)]
pub struct MemoryStore {
    index: RwLock<RecordIndex>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Changes a stored record in place (for tests that tamper with storage).
    #[cfg(test)]
    pub(crate) fn tamper(&self, id: &PointerId, f: impl FnOnce(&mut SealedRecord)) {
        let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
        if let Some(mut record) = index.get(id).cloned() {
            f(&mut record);
            index.insert(record);
        }
    }
}

impl VaultStore for MemoryStore {
    fn put(&self, record: SealedRecord) -> Result<(), VaultError> {
        self.index
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(record);
        Ok(())
    }

    fn get(&self, id: &PointerId) -> Result<Option<SealedRecord>, VaultError> {
        Ok(self
            .index
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned())
    }

    fn get_by_dedup(&self, tag: &[u8; 32]) -> Result<Option<SealedRecord>, VaultError> {
        Ok(self
            .index
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get_by_dedup(tag)
            .cloned())
    }

    fn purge_expired(&self, now_ms: u64) -> Result<usize, VaultError> {
        Ok(self
            .index
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .purge_expired(now_ms))
    }

    fn len(&self) -> usize {
        self.index.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    fn kind_name(&self) -> &'static str {
        "memory"
    }
}
