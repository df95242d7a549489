//! National identifiers of Western Europe: UK NINO and NHS number, Irish PPS, French NIR,
//! Belgian national number, Dutch BSN, German Steuer-ID, Austrian SVNR, Swiss AHV.

use super::calendar;
use super::digits;

/// Up to `N` bytes of `s` with spaces and dashes removed, uppercased; `None` when longer.
fn compact<const N: usize>(s: &str) -> Option<([u8; N], usize)> {
    let mut out = [0u8; N];
    let mut n = 0;
    for &b in s.as_bytes() {
        if b == b' ' || b == b'-' {
            continue;
        }
        if n == N {
            return None;
        }
        out[n] = b.to_ascii_uppercase();
        n += 1;
    }
    Some((out, n))
}

/// `uk_nino`: two prefix letters (first not D F I Q U V, second not D F I O Q U V, not BG GB KN
/// NK NT TN ZZ), six digits, and a suffix A–D (may be left off).
pub(super) fn uk_nino(value: &str) -> bool {
    let Some((b, n)) = compact::<9>(value) else {
        return false;
    };
    if n != 8 && n != 9 {
        return false;
    }
    let (p0, p1) = (b[0], b[1]);
    let prefix_ok = p0.is_ascii_uppercase()
        && p1.is_ascii_uppercase()
        && !b"DFIQUV".contains(&p0)
        && !b"DFIOQUV".contains(&p1)
        && ![*b"BG", *b"GB", *b"KN", *b"NK", *b"NT", *b"TN", *b"ZZ"].contains(&[p0, p1]);
    let digits_ok = b[2..8].iter().all(u8::is_ascii_digit);
    let suffix_ok = n == 8 || (b'A'..=b'D').contains(&b[8]);
    prefix_ok && digits_ok && suffix_ok
}

/// `uk_nhs`: ten digits, weights 10..2, check `11 - sum % 11` (11 → 0, 10 never issued).
pub(super) fn uk_nhs(value: &str) -> bool {
    let Some(d) = digits::exact::<10>(value) else {
        return false;
    };
    let r = 11 - digits::weighted_sum(&d[..9], &[10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11;
    let check = if r == 11 { 0 } else { r };
    check != 10 && check == u32::from(d[9]) && !digits::all_same(&d)
}

/// `ie_pps`: seven digits, a check letter (weights 8..2, mod 23, W = 0) and an optional second
/// letter that joins the sum with weight 9.
pub(super) fn ie_pps(value: &str) -> bool {
    let Some((b, n)) = compact::<9>(value) else {
        return false;
    };
    if !(n == 8 || n == 9) || !b[..7].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut sum: u32 = b[..7]
        .iter()
        .zip([8u32, 7, 6, 5, 4, 3, 2])
        .map(|(&d, w)| u32::from(d - b'0') * w)
        .sum();
    if n == 9 {
        let second = b[8];
        if !second.is_ascii_uppercase() {
            return false;
        }
        if second != b'W' {
            sum += u32::from(second - b'A' + 1) * 9;
        }
    }
    let r = sum % 23;
    let expected = if r == 0 { b'W' } else { b'A' + r as u8 - 1 };
    b[7] == expected
}

/// `fr_nir`: sex, year, month, department (`2A`/`2B` for Corsica), commune, order and the key
/// `97 - (number mod 97)`.
pub(super) fn fr_nir(value: &str) -> bool {
    let Some((mut b, n)) = compact::<15>(value) else {
        return false;
    };
    if n != 15 || !b"123478".contains(&b[0]) {
        return false;
    }
    match &b[5..7] {
        b"2A" => b[5..7].copy_from_slice(b"19"),
        b"2B" => b[5..7].copy_from_slice(b"18"),
        _ => {}
    }
    if !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d = b.map(|x| x - b'0');
    let month = digits::pair(&d, 3);
    if !matches!(month, 1..=12 | 20..=42 | 50..=99) {
        return false;
    }
    let number = digits::number(&d[..13]);
    let key = digits::number(&d[13..]);
    key == 97 - number % 97
}

/// `be_national_number`: YYMMDD, a serial, and the check `97 - (n mod 97)` where `n` is the
/// first nine digits, prefixed with 2 for people born from 2000.
pub(super) fn be_national_number(value: &str) -> bool {
    let Some(d) = digits::exact::<11>(value) else {
        return false;
    };
    let month = digits::pair(&d, 2);
    let day = digits::pair(&d, 4);
    // Month 0 / day 0 mean unknown; +20 and +40 mark bis numbers.
    if !matches!(month, 0..=12 | 20..=32 | 40..=52) || day > 31 {
        return false;
    }
    let first9 = digits::number(&d[..9]);
    let check = digits::number(&d[9..]);
    check == 97 - first9 % 97 || check == 97 - (2_000_000_000 + first9) % 97
}

/// `nl_bsn`: the eleven-test over nine digits (weights 9..2 and −1).
pub(super) fn nl_bsn(value: &str) -> bool {
    let Some(d) = digits::exact::<9>(value) else {
        return false;
    };
    let sum = digits::weighted_sum(&d[..8], &[9, 8, 7, 6, 5, 4, 3, 2]) as i64 - i64::from(d[8]);
    sum % 11 == 0 && sum != 0 && !digits::all_same(&d)
}

/// `de_steuer_id`: eleven digits, no leading zero; in the first ten exactly one digit repeats
/// (twice, or three times but not all adjacent); ISO 7064 MOD 11,10 check digit.
pub(super) fn de_steuer_id(value: &str) -> bool {
    let Some(d) = digits::exact::<11>(value) else {
        return false;
    };
    if d[0] == 0 {
        return false;
    }
    let mut counts = [0u8; 10];
    for &x in &d[..10] {
        counts[x as usize] += 1;
    }
    let mut repeated_digit = None;
    for (digit, &count) in counts.iter().enumerate() {
        match count {
            0 | 1 => {}
            2 | 3 if repeated_digit.is_none() => repeated_digit = Some((digit as u8, count)),
            _ => return false,
        }
    }
    let Some((digit, count)) = repeated_digit else {
        return false;
    };
    if count == 3 && d[..10].windows(3).any(|w| w.iter().all(|&x| x == digit)) {
        return false;
    }
    digits::iso7064_mod11_10(&d)
}

/// `at_svnr`: serial (no leading zero), check digit, and a birth date DDMMYY; the check is the
/// weighted sum (3 7 9 · 5 8 4 2 1 6) mod 11, never 10.
pub(super) fn at_svnr(value: &str) -> bool {
    let Some(d) = digits::exact::<10>(value) else {
        return false;
    };
    if d[0] == 0 || !calendar::valid_day_any_year(digits::pair(&d, 6), digits::pair(&d, 4)) {
        return false;
    }
    let sum = digits::weighted_sum(&d[..3], &[3, 7, 9])
        + digits::weighted_sum(&d[4..], &[5, 8, 4, 2, 1, 6]);
    let check = sum % 11;
    check != 10 && check == u32::from(d[3])
}

/// `ch_ahv`: thirteen digits starting 756 with an EAN-13 check digit.
pub(super) fn ch_ahv(value: &str) -> bool {
    let Some(d) = digits::exact::<13>(value) else {
        return false;
    };
    if d[..3] != [7, 5, 6] {
        return false;
    }
    let sum = digits::weighted_sum(&d[..12], &[1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3]);
    (10 - sum % 10) % 10 == u32::from(d[12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nino_prefix_rules() {
        assert!(uk_nino("AB 12 34 56 C"));
        assert!(uk_nino("JG103759A"));
        assert!(uk_nino("JG103759"));
        assert!(!uk_nino("DA123456A"));
        assert!(!uk_nino("AO123456A"));
        assert!(!uk_nino("GB123456A"));
        assert!(!uk_nino("AB123456E"));
        assert!(!uk_nino("AB12345C"));
    }

    #[test]
    fn nhs_check_digit() {
        assert!(uk_nhs("943 476 5919"));
        assert!(!uk_nhs("943 476 5918"));
        assert!(!uk_nhs("000 000 0000"));
    }

    #[test]
    fn pps_check_letter_with_and_without_second_letter() {
        assert!(ie_pps("1234567T"));
        assert!(ie_pps("1234567FA"));
        assert!(!ie_pps("1234567A"));
        assert!(!ie_pps("1234567TA"));
    }

    #[test]
    fn nir_key_including_corsica() {
        assert!(fr_nir("2 55 08 14 168 025 38"));
        assert!(fr_nir("255081416802538"));
        assert!(fr_nir("1 84 07 2A 004 123 40"));
        assert!(!fr_nir("2 55 08 14 168 025 39"));
        assert!(!fr_nir("5 55 08 14 168 025 38"));
        assert!(!fr_nir("2 55 13 14 168 025 38"));
    }

    #[test]
    fn belgian_number_before_and_after_2000() {
        assert!(be_national_number("85.07.30-033.28"));
        assert!(be_national_number("17.07.30-033.84"));
        assert!(!be_national_number("85.07.30-033.29"));
        assert!(!be_national_number("85.13.30-033.28"));
    }

    #[test]
    fn bsn_eleven_test() {
        assert!(nl_bsn("111222333"));
        assert!(nl_bsn("1234.56.782"));
        assert!(!nl_bsn("111222334"));
        assert!(!nl_bsn("000000000"));
    }

    #[test]
    fn steuer_id_check_and_repetition_rule() {
        assert!(de_steuer_id("86095742719"));
        assert!(de_steuer_id("65 929 970 489"));
        assert!(!de_steuer_id("86095742718"));
        assert!(!de_steuer_id("01234567890"));
        // No repeated digit at all in the first ten.
        assert!(!de_steuer_id("12345678903"));
    }

    #[test]
    fn svnr_check_and_date() {
        assert!(at_svnr("1237 010180"));
        assert!(!at_svnr("1238 010180"));
        assert!(!at_svnr("1237 320180"));
    }

    #[test]
    fn ahv_ean13() {
        assert!(ch_ahv("756.1234.5678.97"));
        assert!(!ch_ahv("756.1234.5678.98"));
        assert!(!ch_ahv("757.1234.5678.97"));
    }
}
