//! National identifiers of the Nordic countries: Swedish personnummer, Danish CPR, Finnish
//! HETU, Norwegian fødselsnummer.

use super::calendar;
use super::digits;

/// Digits of `s` skipping `-`, `+` and spaces, at most 12.
fn loose_digits(s: &str) -> Option<([u8; 12], usize)> {
    let mut out = [0u8; 12];
    let mut n = 0;
    for &b in s.as_bytes() {
        match b {
            b'0'..=b'9' => {
                if n == out.len() {
                    return None;
                }
                out[n] = b - b'0';
                n += 1;
            }
            b'-' | b'+' | b' ' => {}
            _ => return None,
        }
    }
    Some((out, n))
}

/// `se_personnummer`: (YY)YYMMDD-NNNC with a Luhn check over the ten-digit form; the day may be
/// +60 (samordningsnummer).
pub(super) fn se_personnummer(value: &str) -> bool {
    let Some((d, n)) = loose_digits(value) else {
        return false;
    };
    let (ten, year) = match n {
        10 => (&d[..10], None),
        12 => (&d[2..12], Some(digits::number(&d[..4]) as u32)),
        _ => return false,
    };
    let month = digits::pair(ten, 2);
    let mut day = digits::pair(ten, 4);
    if day > 60 {
        day -= 60;
    }
    let date_ok = match year {
        Some(y) => (1850..=2100).contains(&y) && calendar::valid_date(y, month, day),
        None => calendar::valid_day_any_year(month, day),
    };
    date_ok && digits::luhn(ten) && digits::number(&ten[6..9]) != 0
}

/// `dk_cpr`: DDMMYY-SSSS with a real date (the old mod-11 rule is not required since 2007).
pub(super) fn dk_cpr(value: &str) -> bool {
    let Some(d) = digits::exact::<10>(value) else {
        return false;
    };
    calendar::valid_day_any_year(digits::pair(&d, 2), digits::pair(&d, 0))
        && digits::number(&d[6..]) != 0
        && !digits::all_same(&d[6..])
}

/// HETU check characters, indexed by DDMMYYZZZ mod 31.
const HETU_CHECK: &[u8; 31] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";

/// `fi_hetu`: DDMMYY, a century sign, an individual number 002–899 and the mod-31 check char.
pub(super) fn fi_hetu(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() != 11 || !value.is_ascii() {
        return false;
    }
    let century = match b[6].to_ascii_uppercase() {
        b'+' => 1800,
        b'-' | b'Y' | b'X' | b'W' | b'V' | b'U' => 1900,
        b'A'..=b'F' => 2000,
        _ => return false,
    };
    let (Some(date), Some(individual)) = (
        digits::exact::<6>(&value[..6]),
        digits::exact::<3>(&value[7..10]),
    ) else {
        return false;
    };
    let year = century + digits::pair(&date, 4);
    if !calendar::valid_date(year, digits::pair(&date, 2), digits::pair(&date, 0)) {
        return false;
    }
    let z = digits::number(&individual);
    if !(2..=899).contains(&z) {
        return false;
    }
    let n = digits::number(&date) * 1000 + z;
    HETU_CHECK[(n % 31) as usize] == b[10].to_ascii_uppercase()
}

/// One Norwegian mod-11 control digit; `None` when it would be 10 (never issued).
fn no_control(digits: &[u8], weights: &[u32]) -> Option<u8> {
    match 11 - digits::weighted_sum(digits, weights) % 11 {
        11 => Some(0),
        10 => None,
        k => Some(k as u8),
    }
}

/// `no_fodselsnummer`: DDMMYY (day +40 for D-numbers, month +40 for H-numbers), an individual
/// number and two mod-11 control digits.
pub(super) fn no_fodselsnummer(value: &str) -> bool {
    let Some(d) = digits::exact::<11>(value) else {
        return false;
    };
    let mut day = digits::pair(&d, 0);
    let mut month = digits::pair(&d, 2);
    if day > 40 {
        day -= 40;
    }
    if month > 40 {
        month -= 40;
    }
    if !calendar::valid_day_any_year(month, day) {
        return false;
    }
    let k1 = no_control(&d[..9], &[3, 7, 6, 1, 8, 9, 4, 5, 2]);
    let k2 = no_control(&d[..10], &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
    k1 == Some(d[9]) && k2 == Some(d[10])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personnummer_short_long_and_coordination_forms() {
        assert!(se_personnummer("811218-9876"));
        assert!(se_personnummer("19811218-9876"));
        assert!(se_personnummer("198112189876"));
        assert!(se_personnummer("811278-9873"));
        assert!(!se_personnummer("811218-9877"));
        assert!(!se_personnummer("811318-9876"));
    }

    #[test]
    fn cpr_needs_a_real_date() {
        assert!(dk_cpr("070761-4285"));
        assert!(dk_cpr("290200-1234"));
        assert!(!dk_cpr("320161-4285"));
        assert!(!dk_cpr("071361-4285"));
        assert!(!dk_cpr("070761-0000"));
    }

    #[test]
    fn hetu_century_and_check_character() {
        assert!(fi_hetu("131052-308T"));
        assert!(fi_hetu("131052Y308T"));
        assert!(!fi_hetu("131052-308U"));
        assert!(!fi_hetu("131052Q308T"));
        assert!(!fi_hetu("310252-308T"));
    }

    #[test]
    fn fodselsnummer_two_control_digits() {
        assert!(no_fodselsnummer("01010750160"));
        assert!(!no_fodselsnummer("01010750161"));
        assert!(!no_fodselsnummer("32010750160"));
    }
}
