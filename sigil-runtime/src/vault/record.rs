//! A sealed vault record: clear metadata plus the value's ciphertext.

use std::fmt;

use super::pointer::PointerId;
use super::seal::RecordBinding;
use crate::basics::DataKind;
use crate::basics::TrustLevel;

/// One stored value, encrypted. This is all a [`VaultStore`](super::VaultStore) ever holds.
///
/// Every field except `dedup` is bound into the ciphertext's associated data, so changing any of
/// them (or moving a ciphertext to another record) makes decryption fail.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedRecord {
    /// The pointer id.
    pub id: PointerId,
    /// The kind of value.
    pub kind: DataKind,
    /// The owning principal, canonical form (`local:alice`, `oidc:<iss>#<sub>`).
    pub owner: String,
    /// The trust level the value was stored at; resolving needs at least this.
    pub trust: TrustLevel,
    /// Expiry, milliseconds since the Unix epoch; the record is dead from this instant on.
    pub expires_at_ms: u64,
    /// The AES-GCM nonce.
    pub nonce: [u8; 12],
    /// The AES-256-GCM ciphertext with its tag.
    pub ciphertext: Vec<u8>,
    /// Keyed HMAC of owner, kind, trust and value, for deduplication; `None` when disabled.
    pub dedup: Option<[u8; 32]>,
}

impl SealedRecord {
    /// Whether the record has expired at `now_ms`.
    pub fn is_expired(&self, now_ms: u64) -> bool {
        now_ms >= self.expires_at_ms
    }

    pub(crate) fn binding(&self) -> RecordBinding<'_> {
        RecordBinding {
            id: &self.id,
            owner: &self.owner,
            kind: self.kind,
            trust: self.trust,
            expires_at_ms: self.expires_at_ms,
        }
    }
}

impl fmt::Debug for SealedRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedRecord")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("owner", &self.owner)
            .field("trust", &self.trust)
            .field("expires_at_ms", &self.expires_at_ms)
            .field("ciphertext_len", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}
