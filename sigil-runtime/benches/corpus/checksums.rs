//! Check digits the corpus needs to make fake values that pass (or, for decoys, fail) the
//! validators: Luhn, IBAN mod-97, CRC-32 for GitHub tokens, base64url.

pub(crate) fn luhn_check_digit(payload: &str) -> u32 {
    let sum: u32 = payload
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// The two IBAN check digits for a country code and BBAN.
pub(crate) fn iban_check(country: &str, bban: &str) -> u32 {
    let rearranged = format!("{bban}{country}00");
    let mut rem: u32 = 0;
    for c in rearranged.chars() {
        let v = c.to_digit(36).expect("alphanumeric");
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    98 - rem
}

pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

pub(crate) fn base62(mut n: u32, width: usize) -> String {
    const A: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    while n > 0 {
        out.push(A[(n % 62) as usize]);
        n /= 62;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).unwrap()
}

pub(crate) fn base64url(data: &[u8]) -> String {
    const A: &[u8] = super::rng::B64URL;
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// ISO 7064 MOD 11,10 check digit (German tax id).
pub(crate) fn mod11_10(digits: &str) -> u32 {
    let mut product = 10;
    for b in digits.bytes() {
        let mut sum = (u32::from(b - b'0') + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (sum * 2) % 11;
    }
    let check = 11 - product;
    if check == 10 { 0 } else { check }
}
