//! A small base64 decoder (standard and URL-safe alphabets, padding optional) into a caller's
//! stack buffer, for validators that look inside encoded values.

fn sextet(b: u8) -> Option<u32> {
    Some(u32::from(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    }))
}

/// Decodes `text` into `out` and returns the decoded prefix. `None` when `text` is not base64 or
/// does not fit in `out`. Trailing `=` padding is accepted and ignored.
pub(super) fn decode<'o>(text: &str, out: &'o mut [u8]) -> Option<&'o [u8]> {
    let bytes = text.trim_end_matches('=').as_bytes();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut n = 0;
    let mut acc = 0u32;
    let mut bits = 0u32;
    for &b in bytes {
        acc = (acc << 6) | sextet(b)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            if n == out.len() {
                return None;
            }
            out[n] = (acc >> bits) as u8;
            n += 1;
            acc &= (1 << bits) - 1;
        }
    }
    Some(&out[..n])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_both_alphabets_with_or_without_padding() {
        let mut buf = [0u8; 32];
        assert_eq!(decode("dXNlcjpwYXNz", &mut buf), Some(&b"user:pass"[..]));
        let mut buf = [0u8; 32];
        assert_eq!(decode("eyJhIjoxfQ", &mut buf), Some(&b"{\"a\":1}"[..]));
        let mut buf = [0u8; 32];
        assert_eq!(decode("eyJhIjoxfQ==", &mut buf), Some(&b"{\"a\":1}"[..]));
        let mut buf = [0u8; 32];
        assert_eq!(decode("-_8", &mut buf), Some(&[0xfb, 0xff][..]));
    }

    #[test]
    fn refuses_foreign_bytes_bad_lengths_and_overflow() {
        let mut buf = [0u8; 32];
        assert_eq!(decode("ab$d", &mut buf), None);
        assert_eq!(decode("abcde", &mut buf), None);
        let mut small = [0u8; 2];
        assert_eq!(decode("dXNlcjpwYXNz", &mut small), None);
    }
}
