//! Vault pointers: `[SIGIL-VAULT: IBAN:<id>]`, their ids, and finding them in any text.
//!
//! The id is 128 random bits written in RFC 4648 base32, lowercase, without padding: always 26
//! characters from `a-z2-7`. The last character carries only 3 bits; its two low bits must be
//! zero, so every id has exactly one canonical spelling. A pointer is made only of ASCII letters,
//! digits, `[`, `]`, `:`, `-`, `_` and one space, so it reads the same inside a JSON string as
//! outside it, and no escaping can split or hide it.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use super::error::VaultError;
use crate::basics::DataKind;

/// The fixed start of every pointer, up to and including the colon.
const PREFIX: &[u8] = b"[SIGIL-VAULT:";
/// Number of characters in an id.
const ID_CHARS: usize = 26;
/// The longest kind tag we look at (`NATIONAL_ID` and `PRIVATE_KEY` are 11).
const MAX_TAG: usize = 16;
/// Spaces tolerated after `SIGIL-VAULT:` when reading (one is written).
const MAX_SPACES: usize = 4;

const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// The random part of a pointer: 128 bits, shown as 26 base32 characters.
///
/// An id says nothing about the value: it is drawn from the operating system's random source for
/// each new record.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PointerId([u8; 16]);

impl PointerId {
    /// A fresh random id.
    pub fn random() -> Result<Self, VaultError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|_| VaultError::Random)?;
        Ok(Self(bytes))
    }

    /// The id's 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// An id from its 16 bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// Parses the 26-character base32 form (either case). `None` unless canonical.
    pub fn parse(text: &str) -> Option<Self> {
        decode_id(text.as_bytes())
    }

    fn encode(&self) -> [u8; ID_CHARS] {
        let mut out = [0u8; ID_CHARS];
        let mut acc: u32 = 0;
        let mut bits = 0u32;
        let mut n = 0;
        for &b in &self.0 {
            acc = (acc << 8) | u32::from(b);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                out[n] = BASE32[((acc >> bits) & 31) as usize];
                n += 1;
            }
        }
        // 128 = 25 * 5 + 3: three bits remain, padded with two zero bits.
        out[n] = BASE32[((acc << (5 - bits)) & 31) as usize];
        out
    }
}

fn base32_value(c: u8) -> Option<u32> {
    match c {
        b'a'..=b'z' => Some(u32::from(c - b'a')),
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'2'..=b'7' => Some(u32::from(c - b'2') + 26),
        _ => None,
    }
}

fn decode_id(text: &[u8]) -> Option<PointerId> {
    if text.len() != ID_CHARS {
        return None;
    }
    let mut out = [0u8; 16];
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut n = 0;
    for &c in &text[..ID_CHARS - 1] {
        acc = (acc << 5) | base32_value(c)?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out[n] = (acc >> bits) as u8;
            n += 1;
        }
    }
    let last = base32_value(text[ID_CHARS - 1])?;
    if last & 0b11 != 0 {
        return None;
    }
    acc = (acc << 3) | (last >> 2);
    out[n] = acc as u8;
    Some(PointerId(out))
}

impl fmt::Display for PointerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chars = self.encode();
        // Always ASCII by construction.
        f.write_str(std::str::from_utf8(&chars).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for PointerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PointerId({self})")
    }
}

/// A reference to a vault record, as the model sees it: `[SIGIL-VAULT: IBAN:<id>]`.
///
/// The kind is part of the pointer's identity: a pointer whose tag was changed no longer names
/// its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pointer {
    /// What kind of value the record holds.
    pub kind: DataKind,
    /// The record's random id.
    pub id: PointerId,
}

impl Pointer {
    /// Reads one pointer from the start of `bytes`; returns it and how many bytes it spans.
    fn read(bytes: &[u8]) -> Option<(Pointer, usize)> {
        let mut i = PREFIX.len();
        if bytes.get(..i)? != PREFIX {
            return None;
        }
        let spaces = bytes[i..]
            .iter()
            .take(MAX_SPACES + 1)
            .take_while(|&&c| c == b' ')
            .count();
        if spaces > MAX_SPACES {
            return None;
        }
        i += spaces;
        let tag_len = bytes[i..]
            .iter()
            .take(MAX_TAG + 1)
            .take_while(|&&c| c.is_ascii_uppercase() || c == b'_')
            .count();
        if tag_len == 0 || tag_len > MAX_TAG {
            return None;
        }
        let tag = std::str::from_utf8(&bytes[i..i + tag_len]).ok()?;
        let kind = DataKind::ALL.into_iter().find(|k| k.tag() == tag)?;
        i += tag_len;
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        let id = decode_id(bytes.get(i..i + ID_CHARS)?)?;
        i += ID_CHARS;
        if bytes.get(i) != Some(&b']') {
            return None;
        }
        Some((Pointer { kind, id }, i + 1))
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[SIGIL-VAULT: {}:{}]", self.kind.tag(), self.id)
    }
}

impl FromStr for Pointer {
    type Err = VaultError;

    /// Parses exactly one pointer, nothing before or after it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match Pointer::read(s.as_bytes()) {
            Some((p, len)) if len == s.len() => Ok(p),
            _ => Err(VaultError::MalformedPointer),
        }
    }
}

/// Whether `text` holds anything shaped like a pointer (`[SIGIL-VAULT`, in any case), valid or
/// not. After pointers are resolved for a tool, such text means one did not resolve: a tool must
/// never receive pointer text in place of the value it stands for.
pub fn looks_like_pointer(text: &str) -> bool {
    const MARK: &[u8] = b"[sigil-vault";
    text.as_bytes()
        .windows(MARK.len())
        .any(|w| w.eq_ignore_ascii_case(MARK))
}

/// Every well-formed pointer in `text`, with its byte range, in order.
///
/// Finds pointers in plain text and in raw JSON alike (a pointer needs no escaping). Candidates
/// are located with a `memchr` substring search for `[SIGIL-VAULT:`; text that merely looks like
/// a pointer (unknown tag, bad id) is skipped.
pub fn find_pointers(text: &str) -> impl Iterator<Item = (Range<usize>, Pointer)> + '_ {
    let bytes = text.as_bytes();
    memchr::memmem::find_iter(bytes, PREFIX).filter_map(move |start| {
        let (pointer, len) = Pointer::read(&bytes[start..])?;
        Some((start..start + len, pointer))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(byte: u8) -> PointerId {
        PointerId::from_bytes([byte; 16])
    }

    #[test]
    fn id_round_trips_through_base32() {
        for b in [0u8, 1, 0x5a, 0xff] {
            let text = id(b).to_string();
            assert_eq!(text.len(), 26);
            assert_eq!(PointerId::parse(&text), Some(id(b)));
        }
        assert_eq!(id(0).to_string(), "a".repeat(26));
        assert_eq!(id(0xff).to_string(), format!("{}4", "7".repeat(25)));
    }

    #[test]
    fn id_matches_rfc4648_base32() {
        // RFC 4648 §10: BASE32("foobar") = "MZXW6YTBOI======"; our ids are 16 bytes, so compare a
        // prefix: "foobar" followed by zero bytes starts with the same 9 characters + "a".
        let mut bytes = [0u8; 16];
        bytes[..6].copy_from_slice(b"foobar");
        assert!(
            PointerId::from_bytes(bytes)
                .to_string()
                .starts_with("mzxw6ytboi")
        );
    }

    #[test]
    fn non_canonical_last_character_is_refused() {
        let mut text = id(0).to_string();
        text.replace_range(25.., "b"); // value 1: a low bit set
        assert_eq!(PointerId::parse(&text), None);
    }

    #[test]
    fn pointer_display_and_parse() {
        let p = Pointer {
            kind: DataKind::Iban,
            id: id(7),
        };
        let text = p.to_string();
        assert!(text.starts_with("[SIGIL-VAULT: IBAN:"));
        assert_eq!(text.parse::<Pointer>().unwrap(), p);
        assert!(format!("{text} ").parse::<Pointer>().is_err());
        assert!(
            "[SIGIL-VAULT: NOPE:aaaaaaaaaaaaaaaaaaaaaaaaaa]"
                .parse::<Pointer>()
                .is_err()
        );
    }

    #[test]
    fn finds_pointers_in_text_and_json() {
        let a = Pointer {
            kind: DataKind::Iban,
            id: id(1),
        };
        let b = Pointer {
            kind: DataKind::NationalId,
            id: id(2),
        };
        let json = serde_json::json!({ "text": format!("pay {a}\nthen\t\"{b}\"") }).to_string();
        let found: Vec<_> = find_pointers(&json).collect();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].1, a);
        assert_eq!(found[1].1, b);
        assert_eq!(&json[found[0].0.clone()], a.to_string());
    }

    #[test]
    fn skips_lookalikes_and_tolerates_spacing() {
        let p = Pointer {
            kind: DataKind::Email,
            id: id(3),
        };
        let squeezed = p.to_string().replace(": ", ":");
        let text = format!("[SIGIL-VAULT: EMAIL:short] [SIGIL-VAULT: {squeezed} [SIGIL-VAULT:");
        let found: Vec<_> = find_pointers(&text).map(|(_, p)| p).collect();
        assert_eq!(found, vec![p]);
    }
}
