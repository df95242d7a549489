//! Forward-secure MAC keys: `key_{e+1} = HKDF-SHA256(ikm = key_e, salt = none,
//! info = "sigil-audit-epoch" || u64_be(e+1), L = 32)`; `key_0` is the initial MAC key.
//! Moving to the next epoch consumes (and so zeroizes) the old key.

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// The HKDF `info` prefix for epoch derivation.
pub(crate) const EPOCH_INFO: &[u8] = b"sigil-audit-epoch";

/// The MAC key of one epoch. No `Debug`, no `Clone`: the key lives here once and is zeroized
/// on drop (the keyed HMAC state too, through the `zeroize` features of `hmac` and `sha2`).
pub(crate) struct EpochKey {
    epoch: u64,
    key: Zeroizing<[u8; 32]>,
    keyed: Hmac<Sha256>,
}

impl EpochKey {
    /// The key of `epoch`, from its bytes.
    pub(crate) fn new(epoch: u64, key: &[u8; 32]) -> Self {
        let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| {
            // HMAC accepts keys of every length; this branch cannot be taken.
            unreachable!("HMAC-SHA-256 takes a 32-byte key")
        });
        Self {
            epoch,
            key: Zeroizing::new(*key),
            keyed,
        }
    }

    /// The epoch number.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The raw key, for the key-state file only.
    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.key
    }

    /// The next epoch's key. The caller drops `self` to erase this one.
    pub(crate) fn next(&self) -> Self {
        let next = self.epoch + 1;
        let mut info = Vec::with_capacity(EPOCH_INFO.len() + 8);
        info.extend_from_slice(EPOCH_INFO);
        info.extend_from_slice(&next.to_be_bytes());
        let mut okm = Zeroizing::new([0u8; 32]);
        Hkdf::<Sha256>::new(None, self.key.as_ref())
            .expand(&info, okm.as_mut())
            .unwrap_or_else(|_| unreachable!("32 bytes is a valid HKDF-SHA-256 output length"));
        Self::new(next, &okm)
    }

    /// Advances this key in place to the next epoch, erasing the current one.
    pub(crate) fn advance(&mut self) {
        *self = self.next();
    }

    /// HMAC-SHA-256 over the concatenation of `parts`.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_template_matches_a_fresh_hmac() {
        let key = EpochKey::new(0, &[7; 32]);
        let mut fresh = <Hmac<Sha256> as KeyInit>::new_from_slice(&[7; 32]).unwrap();
        fresh.update(b"ab");
        let expected: [u8; 32] = fresh.finalize().into_bytes().into();
        assert_eq!(key.mac(&[b"a", b"b"]), expected);
    }

    #[test]
    fn each_epoch_has_a_different_key_and_derivation_is_deterministic() {
        let k0 = EpochKey::new(0, &[9; 32]);
        let k1 = k0.next();
        let k1_again = EpochKey::new(0, &[9; 32]).next();
        assert_eq!(k1.epoch(), 1);
        assert_eq!(k1.bytes(), k1_again.bytes());
        assert_ne!(k1.bytes(), k0.bytes());
        assert_ne!(k1.mac(&[b"x"]), k0.mac(&[b"x"]));
        let mut k = EpochKey::new(0, &[9; 32]);
        k.advance();
        k.advance();
        assert_eq!(k.epoch(), 2);
        assert_eq!(k.bytes(), k1.next().bytes());
    }

    #[test]
    fn derivation_matches_known_answers() {
        let data = include_str!("../../tests/data/audit_epoch_keys.txt");
        let mut key: Option<EpochKey> = None;
        for line in data.lines().filter(|l| !l.starts_with('#')) {
            let f: Vec<&str> = line.split(' ').collect();
            let (epoch, hex_key, hex_mac) = (f[1].parse::<u64>().unwrap(), f[2], f[4]);
            let current = match key.take() {
                None => EpochKey::new(epoch, &crate::audit::record::from_hex(hex_key).unwrap()),
                Some(previous) => previous.next(),
            };
            assert_eq!(current.epoch(), epoch);
            assert_eq!(crate::audit::record::to_hex(current.bytes()), hex_key);
            assert_eq!(
                crate::audit::record::to_hex(&current.mac(&[b"sig", b"il"])),
                hex_mac
            );
            key = Some(current);
        }
        assert_eq!(key.map(|k| k.epoch()), Some(3));
    }
}
