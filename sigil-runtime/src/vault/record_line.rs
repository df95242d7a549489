//! One sealed record as a JSON line: how the vault file and the shared state store keep it.

use serde::{Deserialize, Serialize};

use super::hex;
use super::pointer::PointerId;
use super::record::SealedRecord;
use crate::basics::DataKind;
use crate::basics::TrustLevel;

#[derive(Serialize, Deserialize)]
pub(crate) struct RecordLine {
    id: String,
    kind: String,
    owner: String,
    trust: TrustLevel,
    expires_at_ms: u64,
    nonce: String,
    ciphertext: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dedup: Option<String>,
}

impl RecordLine {
    pub(crate) fn from_record(r: &SealedRecord) -> Self {
        Self {
            id: r.id.to_string(),
            kind: r.kind.tag().to_owned(),
            owner: r.owner.clone(),
            trust: r.trust,
            expires_at_ms: r.expires_at_ms,
            nonce: hex::encode(&r.nonce),
            ciphertext: hex::encode(&r.ciphertext),
            dedup: r.dedup.as_ref().map(|t| hex::encode(t)),
        }
    }

    pub(crate) fn into_record(self) -> Option<SealedRecord> {
        Some(SealedRecord {
            id: PointerId::parse(&self.id)?,
            kind: DataKind::ALL.into_iter().find(|k| k.tag() == self.kind)?,
            owner: self.owner,
            trust: self.trust,
            expires_at_ms: self.expires_at_ms,
            nonce: hex::decode_array(&self.nonce)?,
            ciphertext: hex::decode(&self.ciphertext)?,
            dedup: match self.dedup {
                Some(t) => Some(hex::decode_array(&t)?),
                None => None,
            },
        })
    }
}
