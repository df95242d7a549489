//! What a confirmation shows of a sensitive value.
//!
//! - A kind the tool receives in clear (its `reveal` kinds; a resolved pointer is always one) is
//!   shown in full: that value is what the human approves (PSD2 dynamic linking: the payer sees
//!   the payee).
//! - Any other sensitive value is masked, but never so that two different values look alike:
//!   `[IBAN …3000 #5f2c91ab]` is the kind, the last four characters (financial and personal data
//!   only; none of a credential) and a fingerprint keyed with a secret of this process, so the
//!   fingerprint cannot be computed, or matched against a guess, outside it.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::basics::DataKind;
use crate::scan::{Category, Hit, redact};

/// Characters of a masked value's end that are shown.
const SHOWN_TAIL: usize = 4;

/// Masks sensitive values in confirmation previews with keyed fingerprints.
pub(crate) struct PreviewMask {
    key: Zeroizing<[u8; 32]>,
}

impl PreviewMask {
    /// A mask with a fresh random fingerprint key; `None` if the OS has no randomness.
    pub(crate) fn new() -> Option<Self> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut *key).ok()?;
        Some(Self { key })
    }

    /// `text` with every hit whose kind is not in `reveals` masked.
    pub(crate) fn apply(&self, text: &str, hits: &[Hit], reveals: &[DataKind]) -> String {
        let hidden: Vec<Hit> = hits
            .iter()
            .filter(|h| !reveals.contains(&h.kind))
            .cloned()
            .collect();
        redact(text, &hidden, |h| {
            let value = text.get(h.span.clone()).unwrap_or_default();
            self.masked(h, value)
        })
    }

    fn masked(&self, hit: &Hit, value: &str) -> String {
        let fingerprint = self.fingerprint(hit.kind, value);
        let tag = hit.kind.tag();
        match hit.category {
            Category::Financial | Category::Pii => {
                let chars: Vec<char> = value.chars().collect();
                let tail: String = chars[chars.len().saturating_sub(SHOWN_TAIL)..]
                    .iter()
                    .collect();
                format!("[{tag} …{tail} #{fingerprint}]")
            }
            Category::Credential | Category::Secret => format!("[{tag} #{fingerprint}]"),
        }
    }

    /// 32 bits of HMAC-SHA-256 over the kind and the value, in hex.
    fn fingerprint(&self, kind: DataKind, value: &str) -> String {
        let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(&*self.key) else {
            unreachable!("HMAC-SHA-256 takes a 32-byte key")
        };
        mac.update(kind.tag().as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        let tag = mac.finalize().into_bytes();
        tag[..4].iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Scanner;

    fn show(mask: &PreviewMask, scanner: &Scanner, text: &str, reveals: &[DataKind]) -> String {
        mask.apply(text, &scanner.scan_text(text.as_bytes()), reveals)
    }

    #[test]
    fn two_different_ibans_never_look_alike_and_revealed_ones_show_in_full() {
        let scanner = Scanner::default_pack().unwrap();
        let mask = PreviewMask::new().unwrap();
        let landlord = "DE89370400440532013000";
        let attacker = "GB82WEST12345698765432";
        let a = show(&mask, &scanner, landlord, &[]);
        let b = show(&mask, &scanner, attacker, &[]);
        assert!(a.starts_with("[IBAN …3000 #") && !a.contains("DE89"), "{a}");
        assert!(b.starts_with("[IBAN …5432 #"), "{b}");
        assert_ne!(a, b);
        // The same value masks the same way within a process, so a human can compare.
        assert_eq!(a, show(&mask, &scanner, landlord, &[]));
        assert_eq!(show(&mask, &scanner, landlord, &[DataKind::Iban]), landlord);
    }

    #[test]
    fn credentials_show_no_characters_and_different_values_differ() {
        let scanner = Scanner::default_pack().unwrap();
        let mask = PreviewMask::new().unwrap();
        let a = show(&mask, &scanner, "DE89370400440532013000", &[]);
        let b = show(&mask, &scanner, "DE44500105175407324931", &[]);
        assert_ne!(a, b);
        let key = "AKIAQWERTYUIOPASDFGH";
        let k = show(&mask, &scanner, &format!("key {key}"), &[]);
        assert!(!k.contains("DFGH") && !k.contains("AKIA"), "{k}");
        assert!(k.starts_with("key [") && k.contains('#'), "{k}");
    }
}
