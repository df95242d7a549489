//! The vault itself: store a value, get a pointer; resolve a pointer under the rules.

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use zeroize::Zeroizing;

use super::config::VaultConfig;
use super::error::VaultError;
use super::file_store::FileStore;
use super::master_key::MasterKey;
use super::pointer::{Pointer, PointerId};
use super::record::SealedRecord;
use super::resolve_request::{ResolveRequest, VaultRefusal};
use super::seal::{self, RecordBinding};
use super::store::{MemoryStore, VaultStore};
use crate::basics::DataKind;
use crate::basics::unix_ms;
use crate::basics::{Principal, TrustLevel};

/// Encrypted values behind opaque pointers. `Send + Sync`; share it in an `Arc`.
pub struct Vault {
    key: MasterKey,
    /// Keys rotated out: they still open what they sealed, and seal nothing new.
    retired: Vec<MasterKey>,
    records: Box<dyn VaultStore>,
    config: VaultConfig,
    last_purge_ms: AtomicU64,
}

impl Vault {
    /// A vault over any store.
    pub fn new(key: MasterKey, store: impl VaultStore + 'static, config: VaultConfig) -> Self {
        Self {
            key,
            retired: Vec::new(),
            records: Box::new(store),
            config,
            last_purge_ms: AtomicU64::new(unix_ms(SystemTime::now())),
        }
    }

    /// A vault in memory with the default configuration.
    pub fn in_memory(key: MasterKey) -> Self {
        Self::new(key, MemoryStore::new(), VaultConfig::default())
    }

    /// A vault persisted to the encrypted file at `path` (see [`FileStore::open`]).
    pub fn open_file(
        key: MasterKey,
        path: impl AsRef<Path>,
        config: VaultConfig,
    ) -> Result<Self, VaultError> {
        let store = FileStore::open(path, &key)?;
        Ok(Self::new(key, store, config))
    }

    /// The same vault, also opening records sealed under `retired` keys (rotated out; see
    /// `sigil keygen --rotate`). New records are sealed under the current key only.
    #[must_use]
    pub fn with_retired_keys(mut self, retired: Vec<MasterKey>) -> Self {
        self.retired = retired;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &VaultConfig {
        &self.config
    }

    /// How many records the store holds (expired ones not yet purged included).
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the store holds no record.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Encrypts `value` for `owner` at `trust` and returns the pointer that stands for it.
    pub fn store(
        &self,
        value: &str,
        kind: DataKind,
        owner: &Principal,
        trust: TrustLevel,
    ) -> Result<Pointer, VaultError> {
        self.store_at(value, kind, owner, trust, SystemTime::now())
    }

    /// [`Vault::store`] with the clock given: the record expires at `now + ttl`.
    pub fn store_at(
        &self,
        value: &str,
        kind: DataKind,
        owner: &Principal,
        trust: TrustLevel,
        now: SystemTime,
    ) -> Result<Pointer, VaultError> {
        let now_ms = unix_ms(now);
        self.purge_if_due(now_ms)?;
        let owner = owner.to_string();
        let dedup = self
            .config
            .dedup
            .then(|| seal::dedup_tag(&self.key, &owner, kind, trust, value.as_bytes()));
        let ttl_ms = u64::try_from(self.config.ttl.as_millis()).unwrap_or(u64::MAX);
        let mut expires_at_ms = now_ms.saturating_add(ttl_ms);
        let existing = match dedup {
            Some(tag) => self.same_value(&tag, &owner, kind, trust, value)?,
            None => None,
        };
        let id = match existing {
            // Renewing never shortens the life of a pointer already handed out.
            Some(record) => {
                expires_at_ms = expires_at_ms.max(record.expires_at_ms);
                record.id
            }
            None => PointerId::random()?,
        };
        let binding = RecordBinding {
            id: &id,
            owner: &owner,
            kind,
            trust,
            expires_at_ms,
        };
        let (nonce, ciphertext) = seal::seal(&self.key, &binding, value.as_bytes())?;
        self.records.put(SealedRecord {
            id,
            kind,
            owner,
            trust,
            expires_at_ms,
            nonce,
            ciphertext,
            dedup,
        })?;
        Ok(Pointer { kind, id })
    }

    /// The existing record holding exactly this value, for this owner, kind and trust.
    /// The candidate is decrypted and compared, so a forged dedup tag in storage cannot make a
    /// new value share a pointer with an old one.
    fn same_value(
        &self,
        tag: &[u8; 32],
        owner: &str,
        kind: DataKind,
        trust: TrustLevel,
        value: &str,
    ) -> Result<Option<SealedRecord>, VaultError> {
        let Some(record) = self.records.get_by_dedup(tag)? else {
            return Ok(None);
        };
        if record.owner != owner || record.kind != kind || record.trust != trust {
            return Ok(None);
        }
        let same = self
            .open(&record)
            .is_some_and(|plain| plain.as_slice() == value.as_bytes());
        Ok(same.then_some(record))
    }

    /// The record's plaintext, under the current key or a retired one; `None` if it does not
    /// authenticate under any.
    fn open(&self, record: &SealedRecord) -> Option<Zeroizing<Vec<u8>>> {
        std::iter::once(&self.key)
            .chain(&self.retired)
            .find_map(|key| seal::open(key, &record.binding(), &record.nonce, &record.ciphertext))
    }

    /// The value behind `pointer`, if `req` may have it.
    ///
    /// Resolves only for the owning principal, at or above the stored trust, into a request
    /// whose `reveal` lists the kind, before expiry, and only if the record authenticates.
    pub fn resolve(
        &self,
        pointer: &Pointer,
        req: &ResolveRequest<'_>,
    ) -> Result<Zeroizing<String>, VaultRefusal> {
        self.resolve_outcome(pointer, req).1
    }

    /// Resolves one pointer, returning the stored owner (when found) with the result.
    pub(crate) fn resolve_outcome(
        &self,
        pointer: &Pointer,
        req: &ResolveRequest<'_>,
    ) -> (Option<String>, Result<Zeroizing<String>, VaultRefusal>) {
        let found = match self.records.get(&pointer.id) {
            Ok(found) => found,
            Err(e) => {
                tracing::error!(error = %e, "the vault's store could not be read");
                return (None, Err(VaultRefusal::Unavailable));
            }
        };
        let Some(record) = found.filter(|r| r.kind == pointer.kind) else {
            return (None, Err(VaultRefusal::UnknownPointer));
        };
        let result = self.check_and_open(&record, req);
        (Some(record.owner), result)
    }

    fn check_and_open(
        &self,
        record: &SealedRecord,
        req: &ResolveRequest<'_>,
    ) -> Result<Zeroizing<String>, VaultRefusal> {
        if record.owner != req.principal.to_string() {
            return Err(VaultRefusal::WrongOwner);
        }
        if record.is_expired(unix_ms(req.now)) {
            return Err(VaultRefusal::Expired);
        }
        if !req.reveal.contains(&record.kind) {
            return Err(VaultRefusal::KindNotRevealed);
        }
        if req.trust < record.trust {
            return Err(VaultRefusal::TrustTooLow {
                stored: record.trust,
                presented: req.trust,
            });
        }
        let mut plain = self.open(record).ok_or(VaultRefusal::Corrupt)?;
        let bytes = std::mem::take(&mut *plain);
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Zeroizing::new(text)),
            Err(e) => {
                drop(Zeroizing::new(e.into_bytes()));
                Err(VaultRefusal::Corrupt)
            }
        }
    }

    /// Drops records expired at `now`; returns how many were dropped.
    pub fn purge_expired(&self, now: SystemTime) -> Result<usize, VaultError> {
        let now_ms = unix_ms(now);
        self.last_purge_ms.store(now_ms, Ordering::Relaxed);
        self.records.purge_expired(now_ms)
    }

    fn purge_if_due(&self, now_ms: u64) -> Result<(), VaultError> {
        let interval = u64::try_from(self.config.purge_interval.as_millis()).unwrap_or(u64::MAX);
        let last = self.last_purge_ms.load(Ordering::Relaxed);
        if now_ms.saturating_sub(last) < interval {
            return Ok(());
        }
        // Only the thread that moves the mark purges.
        if self
            .last_purge_ms
            .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            self.records.purge_expired(now_ms)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("key", &self.key)
            .field("store", &self.records.kind_name())
            .field("records", &self.records.len())
            .field("config", &self.config)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn alice() -> Principal {
        Principal::Local {
            user: "alice".into(),
        }
    }

    #[test]
    fn tampered_memory_record_is_corrupt() {
        let store = std::sync::Arc::new(MemoryStore::new());
        let vault = Vault::new(
            MasterKey::from_bytes([4; 32]),
            store.clone(),
            VaultConfig::default(),
        );
        let p = vault
            .store("secret", DataKind::Secret, &alice(), TrustLevel::Low)
            .unwrap();
        let owner = alice();
        let req = ResolveRequest::new(&owner, TrustLevel::High, &[DataKind::Secret]);
        assert_eq!(vault.resolve(&p, &req).unwrap().as_str(), "secret");
        store.tamper(&p.id, |r| r.ciphertext[0] ^= 1);
        assert_eq!(vault.resolve(&p, &req), Err(VaultRefusal::Corrupt));
    }

    #[test]
    fn automatic_purge_runs_on_store() {
        let vault = Vault::new(
            MasterKey::from_bytes([4; 32]),
            MemoryStore::new(),
            VaultConfig::default()
                .with_ttl(Duration::from_secs(1))
                .with_purge_interval(Duration::from_secs(60)),
        );
        let t0 = SystemTime::now();
        vault
            .store_at("a", DataKind::Secret, &alice(), TrustLevel::Low, t0)
            .unwrap();
        assert_eq!(vault.len(), 1);
        vault
            .store_at(
                "b",
                DataKind::Secret,
                &alice(),
                TrustLevel::Low,
                t0 + Duration::from_secs(120),
            )
            .unwrap();
        assert_eq!(vault.len(), 1, "the expired record was purged");
    }
}
