//! National identifiers of Southern Europe: Spanish DNI and NIE, Portuguese NIF, Italian codice
//! fiscale, Greek AMKA, Croatian OIB.

use super::calendar;
use super::digits;

/// The DNI/NIE control letters, indexed by the number mod 23.
const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// Splits `s` (dashes and spaces allowed) into its digits and trailing letter.
fn number_and_letter(s: &str, first_digit: u32) -> Option<(u32, usize, u8)> {
    let mut n = first_digit;
    let mut count = 0;
    let mut letter = None;
    for &b in s.as_bytes() {
        match b {
            b'0'..=b'9' if letter.is_none() => {
                n = n.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
                count += 1;
            }
            b' ' | b'-' | b'.' => {}
            b'A'..=b'Z' | b'a'..=b'z' if letter.is_none() => letter = Some(b.to_ascii_uppercase()),
            _ => return None,
        }
    }
    Some((n, count, letter?))
}

/// `es_dni`: eight digits and the letter `TRWAGMYFPDXBNJZSQVHLCKE[n mod 23]`.
pub(super) fn es_dni(value: &str) -> bool {
    let Some((n, count, letter)) = number_and_letter(value, 0) else {
        return false;
    };
    count == 8 && n != 0 && DNI_LETTERS[(n % 23) as usize] == letter
}

/// `es_nie`: X, Y or Z (read as 0, 1, 2), seven digits, and the DNI letter of that number.
pub(super) fn es_nie(value: &str) -> bool {
    let v = value.as_bytes();
    let Some(&first) = v.first() else {
        return false;
    };
    let lead = match first.to_ascii_uppercase() {
        b'X' => 0,
        b'Y' => 1,
        b'Z' => 2,
        _ => return false,
    };
    let Some((n, count, letter)) = number_and_letter(&value[1..], lead) else {
        return false;
    };
    count == 7 && DNI_LETTERS[(n % 23) as usize] == letter
}

/// `pt_nif`: nine digits, a valid leading digit, check `11 - sum mod 11` (weights 9..2; 0 when
/// the remainder is below 2).
pub(super) fn pt_nif(value: &str) -> bool {
    let Some(d) = digits::exact::<9>(value) else {
        return false;
    };
    let lead_ok = matches!(d[0], 1 | 2 | 3 | 5 | 6 | 7 | 8 | 9) || (d[0] == 4 && d[1] == 5);
    let r = digits::weighted_sum(&d[..8], &[9, 8, 7, 6, 5, 4, 3, 2]) % 11;
    let check = if r < 2 { 0 } else { 11 - r };
    lead_ok && check == u32::from(d[8]) && !digits::all_same(&d)
}

/// Values of characters in odd (1st, 3rd, ...) positions of a codice fiscale, for 0–9 then A–Z.
const CF_ODD: [u8; 36] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, // 0-9
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

/// Omocodia: letters that stand in for digits when two people share a code.
const CF_OMOCODE: &[u8; 10] = b"LMNPQRSTUV";

/// The digit value of a codice fiscale digit position (a digit or an omocode letter).
fn cf_digit(b: u8) -> Option<u32> {
    if b.is_ascii_digit() {
        return Some(u32::from(b - b'0'));
    }
    CF_OMOCODE.iter().position(|&x| x == b).map(|p| p as u32)
}

/// `it_codice_fiscale`: surname and name letters, year, month letter, day (41–71 for women),
/// municipality code, and the check letter from the odd/even tables mod 26; omocodia allowed.
pub(super) fn it_codice_fiscale(value: &str) -> bool {
    let v = value.as_bytes();
    if v.len() != 16 {
        return false;
    }
    let mut b = [0u8; 16];
    for (o, &x) in b.iter_mut().zip(v) {
        *o = x.to_ascii_uppercase();
    }
    if !b[..6].iter().all(u8::is_ascii_uppercase)
        || !b"ABCDEHLMPRST".contains(&b[8])
        || !b[11].is_ascii_uppercase()
        || !b[15].is_ascii_uppercase()
    {
        return false;
    }
    let mut numeric = [0u32; 7];
    for (slot, &i) in numeric.iter_mut().zip(&[6usize, 7, 9, 10, 12, 13, 14]) {
        match cf_digit(b[i]) {
            Some(d) => *slot = d,
            None => return false,
        }
    }
    let day = numeric[2] * 10 + numeric[3];
    if !matches!(day, 1..=31 | 41..=71) {
        return false;
    }
    let mut sum = 0u32;
    for (i, &x) in b[..15].iter().enumerate() {
        let index = if x.is_ascii_digit() {
            (x - b'0') as usize
        } else {
            (x - b'A') as usize + 10
        };
        sum += if i % 2 == 0 {
            u32::from(CF_ODD[index])
        } else if x.is_ascii_digit() {
            u32::from(x - b'0')
        } else {
            u32::from(x - b'A')
        };
    }
    b[15] == b'A' + (sum % 26) as u8
}

/// `gr_amka`: a birth date DDMMYY, five more digits, Luhn over all eleven.
pub(super) fn gr_amka(value: &str) -> bool {
    let Some(d) = digits::exact::<11>(value) else {
        return false;
    };
    calendar::valid_day_any_year(digits::pair(&d, 2), digits::pair(&d, 0)) && digits::luhn(&d)
}

/// `hr_oib`: eleven digits with an ISO 7064 MOD 11,10 check digit.
pub(super) fn hr_oib(value: &str) -> bool {
    let Some(d) = digits::exact::<11>(value) else {
        return false;
    };
    !digits::all_same(&d) && digits::iso7064_mod11_10(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dni_and_nie_letters() {
        assert!(es_dni("12345678Z"));
        assert!(es_dni("48350213-G"));
        assert!(!es_dni("12345678A"));
        assert!(!es_dni("1234567Z"));
        assert!(es_nie("X1234567L"));
        assert!(es_nie("Y-1234567-X"));
        assert!(!es_nie("X1234567A"));
        assert!(!es_nie("A1234567L"));
    }

    #[test]
    fn nif_check_digit_and_lead() {
        assert!(pt_nif("123456789"));
        assert!(pt_nif("501964843"));
        assert!(!pt_nif("123456788"));
        assert!(!pt_nif("412345678"));
    }

    #[test]
    fn codice_fiscale_check_letter_and_omocodia() {
        assert!(it_codice_fiscale("RSSMRA85T10A562S"));
        assert!(it_codice_fiscale("rssmra85t10a562s"));
        assert!(it_codice_fiscale("RSSMRA85T10A56NH"));
        assert!(!it_codice_fiscale("RSSMRA85T10A562T"));
        assert!(!it_codice_fiscale("RSSMRA85T92A562S"));
        assert!(!it_codice_fiscale("RSSMRA85Z10A562S"));
    }

    #[test]
    fn amka_date_and_luhn() {
        assert!(gr_amka("01018012342"));
        assert!(!gr_amka("01018012343"));
        assert!(!gr_amka("32018012346"));
    }

    #[test]
    fn oib_check() {
        assert!(hr_oib("69435151530"));
        assert!(!hr_oib("69435151531"));
    }
}
