//! The cryptographic construction: per-record keys, associated data, AES-256-GCM.
//!
//! - Record key: `HKDF-SHA256(ikm = master, salt = none, info = "sigil-vault-v1/record" || id)`,
//!   32 bytes, where `id` is the pointer id's 16 raw bytes.
//! - Nonce: 96 random bits from the operating system for every encryption.
//! - Associated data: the length-prefixed fields (`u32` big-endian length, then the bytes)
//!   `"sigil-vault-v1"`, id (16 bytes), owner (canonical principal, UTF-8), kind tag (`IBAN`),
//!   trust (`low`), expiry (milliseconds since the Unix epoch, `u64` big-endian).
//! - Dedup tag: `HMAC-SHA256(HKDF(master, info = "sigil-vault-v1/dedup"), AD-style encoding of
//!   owner, kind, trust, value)`.
//! - Key check (vault file header): `HKDF(master, info = "sigil-vault-v1/key-check")`.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::error::VaultError;
use super::master_key::MasterKey;
use super::pointer::PointerId;
use crate::basics::DataKind;
use crate::basics::TrustLevel;

const VERSION_LABEL: &[u8] = b"sigil-vault-v1";
const RECORD_INFO: &[u8] = b"sigil-vault-v1/record";
const DEDUP_INFO: &[u8] = b"sigil-vault-v1/dedup";
const KEY_CHECK_INFO: &[u8] = b"sigil-vault-v1/key-check";

/// Everything about a record that is stored in clear and bound into its ciphertext.
pub(crate) struct RecordBinding<'a> {
    pub(crate) id: &'a PointerId,
    pub(crate) owner: &'a str,
    pub(crate) kind: DataKind,
    pub(crate) trust: TrustLevel,
    pub(crate) expires_at_ms: u64,
}

impl RecordBinding<'_> {
    /// The associated data: every field length-prefixed, so no two bindings encode alike.
    pub(crate) fn associated_data(&self) -> Vec<u8> {
        let mut ad = Vec::with_capacity(96 + self.owner.len());
        for field in [
            VERSION_LABEL,
            self.id.as_bytes().as_slice(),
            self.owner.as_bytes(),
            self.kind.tag().as_bytes(),
            self.trust.as_str().as_bytes(),
            &self.expires_at_ms.to_be_bytes(),
        ] {
            push_field(&mut ad, field);
        }
        ad
    }
}

fn push_field(out: &mut Vec<u8>, field: &[u8]) {
    // Fields are bounded by the caller's input; an owner or value over 4 GiB is not stored.
    let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(field);
}

fn derive(master: &MasterKey, info: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    let hkdf = Hkdf::<Sha256>::new(None, master.expose());
    let mut okm = Zeroizing::new([0u8; 32]);
    // 32 bytes is far below HKDF-SHA256's limit of 8160, so expansion cannot fail.
    let _ = hkdf.expand_multi_info(info, okm.as_mut_slice());
    okm
}

/// The record's cipher. Built from the derived key in place, with no unzeroized copy of it.
fn record_cipher(master: &MasterKey, id: &PointerId) -> Option<Aes256Gcm> {
    let key = derive(master, &[RECORD_INFO, id.as_bytes()]);
    Aes256Gcm::new_from_slice(key.as_slice()).ok()
}

/// Encrypts `plaintext` for the record described by `binding`; returns the nonce and the
/// ciphertext (with its 16-byte tag appended).
pub(crate) fn seal(
    master: &MasterKey,
    binding: &RecordBinding<'_>,
    plaintext: &[u8],
) -> Result<([u8; 12], Vec<u8>), VaultError> {
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).map_err(|_| VaultError::Random)?;
    let ad = binding.associated_data();
    let ciphertext = record_cipher(master, binding.id)
        .ok_or(VaultError::Encrypt)?
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: plaintext,
                aad: &ad,
            },
        )
        .map_err(|_| VaultError::Encrypt)?;
    Ok((nonce, ciphertext))
}

/// Decrypts a record; `None` if the ciphertext, nonce or any bound field was changed, or the
/// master key is not the one it was sealed under.
pub(crate) fn open(
    master: &MasterKey,
    binding: &RecordBinding<'_>,
    nonce: &[u8; 12],
    ciphertext: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let ad = binding.associated_data();
    record_cipher(master, binding.id)?
        .decrypt(
            &Nonce::from(*nonce),
            Payload {
                msg: ciphertext,
                aad: &ad,
            },
        )
        .ok()
        .map(Zeroizing::new)
}

/// The keyed tag under which equal values of one owner, kind and trust are deduplicated.
pub(crate) fn dedup_tag(
    master: &MasterKey,
    owner: &str,
    kind: DataKind,
    trust: TrustLevel,
    value: &[u8],
) -> [u8; 32] {
    let key = derive(master, &[DEDUP_INFO]);
    let mut input = Zeroizing::new(Vec::with_capacity(64 + owner.len() + value.len()));
    for field in [
        VERSION_LABEL,
        owner.as_bytes(),
        kind.tag().as_bytes(),
        trust.as_str().as_bytes(),
        value,
    ] {
        push_field(&mut input, field);
    }
    // HMAC accepts keys of any length, so this never takes the `else` branch.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_slice()) else {
        return [0; 32];
    };
    mac.update(&input);
    mac.finalize().into_bytes().into()
}

/// A value that proves which master key wrote a vault file, and reveals nothing about it.
pub(crate) fn key_check(master: &MasterKey) -> [u8; 32] {
    *derive(master, &[KEY_CHECK_INFO])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding<'a>(id: &'a PointerId, owner: &'a str) -> RecordBinding<'a> {
        RecordBinding {
            id,
            owner,
            kind: DataKind::Iban,
            trust: TrustLevel::Medium,
            expires_at_ms: 1_000,
        }
    }

    #[test]
    fn seal_then_open() {
        let key = MasterKey::from_bytes([1; 32]);
        let id = PointerId::from_bytes([2; 16]);
        let b = binding(&id, "local:alice");
        let (nonce, ct) = seal(&key, &b, b"DE89370400440532013000").unwrap();
        assert_eq!(ct.len(), 22 + 16);
        assert_eq!(
            open(&key, &b, &nonce, &ct).unwrap().as_slice(),
            b"DE89370400440532013000"
        );
    }

    #[test]
    fn every_bound_field_matters() {
        let key = MasterKey::from_bytes([1; 32]);
        let id = PointerId::from_bytes([2; 16]);
        let other_id = PointerId::from_bytes([3; 16]);
        let b = binding(&id, "local:alice");
        let (nonce, ct) = seal(&key, &b, b"secret").unwrap();
        let variants = [
            binding(&other_id, "local:alice"),
            binding(&id, "local:bob"),
            RecordBinding {
                kind: DataKind::Email,
                ..binding(&id, "local:alice")
            },
            RecordBinding {
                trust: TrustLevel::Low,
                ..binding(&id, "local:alice")
            },
            RecordBinding {
                expires_at_ms: 2_000,
                ..binding(&id, "local:alice")
            },
        ];
        for v in &variants {
            assert!(open(&key, v, &nonce, &ct).is_none());
        }
        assert!(open(&MasterKey::from_bytes([9; 32]), &b, &nonce, &ct).is_none());
    }

    #[test]
    fn associated_data_is_unambiguous() {
        let id = PointerId::from_bytes([0; 16]);
        // Moving a character between adjacent fields changes the encoding.
        let a = RecordBinding {
            owner: "local:a",
            ..binding(&id, "")
        }
        .associated_data();
        let b = RecordBinding {
            owner: "local:",
            ..binding(&id, "")
        }
        .associated_data();
        assert_ne!(a, b);
    }

    #[test]
    fn dedup_tag_is_keyed() {
        let a = MasterKey::from_bytes([1; 32]);
        let b = MasterKey::from_bytes([2; 32]);
        let t =
            |k: &MasterKey, v: &[u8]| dedup_tag(k, "local:x", DataKind::Iban, TrustLevel::Low, v);
        assert_eq!(t(&a, b"v"), t(&a, b"v"));
        assert_ne!(t(&a, b"v"), t(&b, b"v"));
        assert_ne!(t(&a, b"v"), t(&a, b"w"));
    }
}
