//! Financial identifiers: Luhn, IBAN (ISO 13616 mod-97 with per-country lengths), BIC
//! (ISO 9362 structure with an ISO 3166 country) and payment card issuer ranges.

use super::digits;

/// IBAN length per country (SWIFT IBAN registry).
#[rustfmt::skip]
const IBAN_LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"AD", 24), (b"AE", 23), (b"AL", 28), (b"AT", 20), (b"AZ", 28), (b"BA", 20), (b"BE", 16),
    (b"BG", 22), (b"BH", 22), (b"BI", 27), (b"BR", 29), (b"BY", 28), (b"CH", 21), (b"CR", 22),
    (b"CY", 28), (b"CZ", 24), (b"DE", 22), (b"DJ", 27), (b"DK", 18), (b"DO", 28), (b"EE", 20),
    (b"EG", 29), (b"ES", 24), (b"FI", 18), (b"FK", 18), (b"FO", 18), (b"FR", 27), (b"GB", 22),
    (b"GE", 22), (b"GI", 23), (b"GL", 18), (b"GR", 27), (b"GT", 28), (b"HR", 21), (b"HU", 28),
    (b"IE", 22), (b"IL", 23), (b"IQ", 23), (b"IS", 26), (b"IT", 27), (b"JO", 30), (b"KW", 30),
    (b"KZ", 20), (b"LB", 28), (b"LC", 32), (b"LI", 21), (b"LT", 20), (b"LU", 20), (b"LV", 21),
    (b"LY", 25), (b"MC", 27), (b"MD", 24), (b"ME", 22), (b"MK", 19), (b"MN", 20), (b"MR", 27),
    (b"MT", 31), (b"MU", 30), (b"NI", 28), (b"NL", 18), (b"NO", 15), (b"OM", 23), (b"PK", 24),
    (b"PL", 28), (b"PS", 29), (b"PT", 25), (b"QA", 29), (b"RO", 24), (b"RS", 22), (b"RU", 33),
    (b"SA", 24), (b"SC", 31), (b"SD", 18), (b"SE", 24), (b"SI", 19), (b"SK", 24), (b"SM", 27),
    (b"SO", 23), (b"ST", 25), (b"SV", 28), (b"TL", 23), (b"TN", 24), (b"TR", 26), (b"UA", 29),
    (b"VA", 22), (b"VG", 24), (b"XK", 20), (b"YE", 30),
];

/// ISO 3166-1 alpha-2 codes (plus XK, used by banks for Kosovo), two bytes each.
const COUNTRIES: &[u8] =
    b"ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZ\
CACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGL\
GMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLR\
LSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPK\
PLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTR\
TTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSXKYEYTZAZMZW";

/// True when `code` (two uppercase letters) is an ISO 3166 country.
pub(super) fn is_country(code: &[u8]) -> bool {
    code.len() == 2 && COUNTRIES.chunks_exact(2).any(|c| c == code)
}

/// Luhn over the digits of `s`, ignoring spaces and dashes; other characters fail.
pub(super) fn luhn_str(s: &str) -> bool {
    let mut buf = [0u8; 32];
    match card_digits(s, &mut buf) {
        Some(d) => digits::luhn(d),
        None => false,
    }
}

/// Digits of a card-like value (spaces and dashes allowed), at most 32.
fn card_digits<'b>(s: &str, buf: &'b mut [u8; 32]) -> Option<&'b [u8]> {
    let mut n = 0;
    for &b in s.as_bytes() {
        match b {
            b'0'..=b'9' => {
                if n == buf.len() {
                    return None;
                }
                buf[n] = b - b'0';
                n += 1;
            }
            b' ' | b'-' => {}
            _ => return None,
        }
    }
    Some(&buf[..n])
}

/// `iban_mod97`: country length and the ISO 7064 MOD 97-10 check over the IBAN (spaces allowed).
pub(super) fn iban_mod97(value: &str) -> bool {
    let mut buf = [0u8; 34];
    let mut n = 0;
    for &b in value.as_bytes() {
        if b == b' ' {
            continue;
        }
        if !b.is_ascii_alphanumeric() || n == buf.len() {
            return false;
        }
        buf[n] = b.to_ascii_uppercase();
        n += 1;
    }
    let iban = &buf[..n];
    if n < 15 || !iban[..2].iter().all(u8::is_ascii_uppercase) {
        return false;
    }
    let Some(&(_, len)) = IBAN_LENGTHS.iter().find(|(cc, _)| cc[..] == iban[..2]) else {
        return false;
    };
    if n != len || !iban[2..4].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let check = u32::from(iban[2] - b'0') * 10 + u32::from(iban[3] - b'0');
    if !(2..=98).contains(&check) {
        return false;
    }
    let mut rem = 0u32;
    for &b in iban[4..].iter().chain(&iban[..4]) {
        rem = if b.is_ascii_digit() {
            (rem * 10 + u32::from(b - b'0')) % 97
        } else {
            (rem * 100 + u32::from(b - b'A' + 10)) % 97
        };
    }
    rem == 1
}

/// `bic`: 4 letters (bank), an ISO 3166 country, 2 alphanumerics (location), optional 3 (branch).
pub(super) fn bic(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() != 8 && b.len() != 11 {
        return false;
    }
    b[..4].iter().all(u8::is_ascii_uppercase)
        && is_country(&b[4..6])
        && b[6..].iter().all(|x| x.is_ascii_uppercase() || x.is_ascii_digit())
        // A location of two identical letters is unusual; `XX`-style fillers are not BICs.
        && !(b[..4].iter().all(|&x| x == b[0]))
}

/// Card schemes: (IIN prefix low, high, prefix digits, min length, max length).
#[rustfmt::skip]
const ISSUER_RANGES: &[(u32, u32, usize, usize, usize)] = &[
    (4, 4, 1, 13, 13),             // Visa (old 13-digit)
    (4, 4, 1, 16, 16),             // Visa
    (4, 4, 1, 19, 19),             // Visa (19-digit)
    (51, 55, 2, 16, 16),           // Mastercard
    (2221, 2720, 4, 16, 16),       // Mastercard 2-series
    (34, 34, 2, 15, 15),           // American Express
    (37, 37, 2, 15, 15),           // American Express
    (6011, 6011, 4, 16, 19),       // Discover
    (644, 649, 3, 16, 19),         // Discover
    (65, 65, 2, 16, 19),           // Discover, RuPay
    (3528, 3589, 4, 16, 19),       // JCB
    (300, 305, 3, 14, 19),         // Diners Club International
    (36, 36, 2, 14, 19),           // Diners Club
    (38, 39, 2, 14, 19),           // Diners Club
    (62, 62, 2, 16, 19),           // UnionPay
    (2200, 2204, 4, 16, 19),       // Mir
    (50, 50, 2, 12, 19),           // Maestro
    (56, 58, 2, 12, 19),           // Maestro
    (60, 60, 2, 16, 19),           // RuPay, Maestro
    (63, 63, 2, 12, 19),           // Maestro
    (67, 67, 2, 12, 19),           // Maestro
    (81, 82, 2, 16, 16),           // RuPay
    (9792, 9792, 4, 16, 16),       // Troy
];

/// `card_issuer_range`: the number lies in a known scheme's IIN range with a length it issues.
pub(super) fn card_issuer_range(value: &str) -> bool {
    let mut buf = [0u8; 32];
    let Some(d) = card_digits(value, &mut buf) else {
        return false;
    };
    ISSUER_RANGES.iter().any(|&(lo, hi, width, min, max)| {
        d.len() >= width
            && (min..=max).contains(&d.len())
            && (lo..=hi).contains(&(digits::number(&d[..width]) as u32))
    })
}

/// Published test card numbers of the major processors and schemes.
#[rustfmt::skip]
const TEST_PANS: &[&[u8]] = &[
    b"4111111111111111", b"4012888888881881", b"4222222222222", b"4242424242424242",
    b"4000056655665556", b"4000002500003155", b"4000000000003220", b"4000000000009995",
    b"4000000000000077", b"4000000000000002", b"4917610000000000", b"4988438843884305",
    b"5555555555554444", b"5105105105105100", b"5200828282828210", b"2223003122003222",
    b"2222400070000005", b"5454545454545454", b"5425233430109903", b"2223000048410010",
    b"378282246310005", b"371449635398431", b"378734493671000", b"340000000000009",
    b"6011111111111117", b"6011000990139424", b"6011000000000004", b"6011601160116611",
    b"3056930009020004", b"36227206271667", b"30569309025904", b"38520000023237",
    b"3566002020360505", b"3530111333300000", b"3566111111111113",
    b"6200000000000005", b"6205500000000000004", b"5019717010103742", b"6331101999990016",
    b"6759649826438453", b"6799990100000000019",
];

/// `card_not_test_number`: not a published test PAN and not a low-variety filler such as
/// `4000 0000 0000 0002` (three or fewer distinct digits over twelve or more).
pub(super) fn card_not_test_number(value: &str) -> bool {
    let mut buf = [0u8; 32];
    let Some(d) = card_digits(value, &mut buf) else {
        return false;
    };
    let mut seen = [false; 10];
    for &x in d {
        seen[x as usize] = true;
    }
    let distinct = seen.iter().filter(|&&s| s).count();
    if d.len() >= 12 && distinct <= 3 {
        return false;
    }
    !TEST_PANS
        .iter()
        .any(|pan| pan.len() == d.len() && pan.iter().zip(d).all(|(&p, &x)| p - b'0' == x))
}

/// `aba_routing`: nine digits of a US ABA routing number with the 3-7-1 weighted checksum.
pub(super) fn aba_routing(value: &str) -> bool {
    let Some(d) = digits::exact::<9>(value) else {
        return false;
    };
    let sum = digits::weighted_sum(&d, &[3, 7, 1, 3, 7, 1, 3, 7, 1]);
    // The first two digits are a Federal Reserve district (00-12, 21-32, 61-72, 80 for travellers' cheques).
    let district = digits::pair(&d, 0);
    sum.is_multiple_of(10)
        && matches!(district, 0..=12 | 21..=32 | 61..=72 | 80)
        && !digits::all_same(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iban_accepts_valid_numbers_spaced_or_not() {
        assert!(iban_mod97("GB82WEST12345698765432"));
        assert!(iban_mod97("DE89 3704 0044 0532 0130 00"));
        assert!(iban_mod97("FR1420041010050500013M02606"));
        assert!(iban_mod97("NO9386011117947"));
        assert!(iban_mod97("de89370400440532013000"));
    }

    #[test]
    fn iban_refuses_bad_checksum_length_or_country() {
        assert!(!iban_mod97("GB82WEST12345698765433"));
        assert!(!iban_mod97("DE89370400440532013"));
        assert!(!iban_mod97("ZZ82WEST12345698765432"));
        assert!(!iban_mod97("GB00WEST12345698765432"));
        assert!(!iban_mod97("GB82-WEST-1234-5698-7654-32"));
    }

    #[test]
    fn bic_needs_a_real_country_and_the_right_length() {
        assert!(bic("DEUTDEFF"));
        assert!(bic("DEUTDEFF500"));
        assert!(bic("NWBKGB2L"));
        assert!(!bic("DEUTQQFF"));
        assert!(!bic("DEUTDEF"));
        assert!(!bic("DEUTDEFF50"));
        assert!(!bic("AAAADEFF"));
        assert!(!bic("deutdeff"));
    }

    #[test]
    fn luhn_counts_digits_through_spaces_and_dashes() {
        assert!(luhn_str("4539 1488 0343 6467"));
        assert!(luhn_str("4539-1488-0343-6467"));
        assert!(!luhn_str("4539 1488 0343 6468"));
        assert!(!luhn_str("4539x1488"));
    }

    #[test]
    fn issuer_ranges_check_prefix_and_length() {
        assert!(card_issuer_range("4539148803436467"));
        assert!(card_issuer_range("5500 0055 5555 5559"));
        assert!(card_issuer_range("2221000000000009"));
        assert!(card_issuer_range("371449635398431"));
        assert!(!card_issuer_range("3714496353984312"));
        assert!(!card_issuer_range("1234567812345670"));
        assert!(!card_issuer_range("5600000000"));
        // Visa issues 13, 16 and 19 digits; an 18-digit id starting with 4 is not a card.
        assert!(!card_issuer_range("412345678901234564"));
    }

    #[test]
    fn aba_routing_weights_and_district() {
        assert!(aba_routing("021000021"));
        assert!(aba_routing("011000015"));
        assert!(!aba_routing("021000022"));
        assert!(!aba_routing("991000021"));
        assert!(!aba_routing("000000000"));
    }

    #[test]
    fn test_numbers_and_fillers_are_refused() {
        assert!(!card_not_test_number("4111 1111 1111 1111"));
        assert!(!card_not_test_number("4242424242424242"));
        assert!(!card_not_test_number("5555-5555-5555-4444"));
        assert!(!card_not_test_number("4000000000000002"));
        assert!(!card_not_test_number("378282246310005"));
        assert!(card_not_test_number("4539148803436467"));
    }
}
