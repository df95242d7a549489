//! The three spellings of a master key in a file or variable: 32 raw bytes, 64 hex characters,
//! or base64 (standard or URL-safe alphabet, padding optional) of 32 bytes.

use zeroize::Zeroizing;

/// Decodes a key. Raw bytes are recognised only when the input is exactly 32 bytes long; text
/// forms may be surrounded by ASCII whitespace (a trailing newline, say).
pub(crate) fn decode_key(input: &[u8]) -> Option<Zeroizing<[u8; 32]>> {
    let mut key = Zeroizing::new([0u8; 32]);
    if input.len() == 32 {
        key.copy_from_slice(input);
        return Some(key);
    }
    let text = input.trim_ascii();
    if super::hex::decode_into(text, key.as_mut_slice()) {
        return Some(key);
    }
    if decode_base64(text, &mut key) {
        return Some(key);
    }
    None
}

/// Lowercase hex of a key, with a trailing newline: what a generated key file holds.
pub(crate) fn encode_hex_line(key: &[u8; 32]) -> Zeroizing<Vec<u8>> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = Zeroizing::new(Vec::with_capacity(65));
    for &b in key {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
    out.push(b'\n');
    out
}

fn base64_value(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// 32 bytes are 43 base64 characters (the last one carrying 4 bits), plus one `=` if padded.
fn decode_base64(text: &[u8], out: &mut [u8; 32]) -> bool {
    let body = match text {
        [body @ .., b'='] if text.len() == 44 => body,
        _ if text.len() == 43 => text,
        _ => return false,
    };
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut n = 0;
    for &c in body {
        let Some(v) = base64_value(c) else {
            return false;
        };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            if n == 32 {
                return false;
            }
            out[n] = (acc >> bits) as u8;
            n += 1;
        }
        acc &= (1 << bits) - 1;
    }
    n == 32 && acc == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> [u8; 32] {
        std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(5))
    }

    #[test]
    fn raw_hex_and_base64_give_the_same_key() {
        let key = sample();
        let hex = encode_hex_line(&key);
        assert_eq!(*decode_key(&key).unwrap(), key);
        assert_eq!(*decode_key(&hex).unwrap(), key);
        assert_eq!(
            *decode_key(hex.to_ascii_uppercase().as_slice()).unwrap(),
            key
        );
        // Standard base64 of `sample()`, computed independently (python3 base64.b64encode).
        let b64 = "BSpPdJm+4wgtUnecweYLMFV6n8TpDjNYfaLH7BE2W4A=";
        assert_eq!(*decode_key(b64.as_bytes()).unwrap(), key);
        assert_eq!(
            *decode_key(b64.trim_end_matches('=').as_bytes()).unwrap(),
            key
        );
        let url = b64.replace('+', "-").replace('/', "_");
        assert_eq!(*decode_key(format!("{url}\n").as_bytes()).unwrap(), key);
    }

    #[test]
    fn wrong_lengths_and_alphabets_are_refused() {
        assert!(decode_key(&[0u8; 31]).is_none());
        assert!(decode_key(&[b'a'; 63]).is_none());
        assert!(decode_key(&[b'g'; 64]).is_none());
        assert!(decode_key(b"BSpPdJm+4wgtUnecweYLMFV6n8TpDjNYfaLH7BE2W4A").is_some());
        assert!(decode_key(b"BSpPdJm+4wgtUnecweYLMFV6n8TpDjNYfaLH7BE2W4B").is_none());
        assert!(decode_key(b"BSpPdJm+4wgtUnecwe!LMFV6n8TpDjNYfaLH7BE2W4A").is_none());
        assert!(decode_key(b"").is_none());
    }
}
