//! National identifiers of Central and Eastern Europe: Polish PESEL, Czech/Slovak rodné číslo,
//! Romanian CNP, Estonian isikukood, Bulgarian EGN.

use super::calendar;
use super::digits;

/// `pl_pesel`: YYMMDD with the century in the month (+80 1800s, +20 2000s, +40, +60), a serial
/// and the check `(10 - weighted sum mod 10) mod 10` with weights 1 3 7 9.
pub(super) fn pl_pesel(value: &str) -> bool {
    let Some(d) = digits::exact::<11>(value) else {
        return false;
    };
    let yy = digits::pair(&d, 0);
    let mm = digits::pair(&d, 2);
    let (century, month) = match mm {
        81..=92 => (1800, mm - 80),
        1..=12 => (1900, mm),
        21..=32 => (2000, mm - 20),
        41..=52 => (2100, mm - 40),
        61..=72 => (2200, mm - 60),
        _ => return false,
    };
    if !calendar::valid_date(century + yy, month, digits::pair(&d, 4)) {
        return false;
    }
    let sum = digits::weighted_sum(&d[..10], &[1, 3, 7, 9, 1, 3, 7, 9, 1, 3]);
    (10 - sum % 10) % 10 == u32::from(d[10])
}

/// `cz_rodne_cislo`: the ten-digit form YYMMDD/XXXX (month +50 for women, +20 since 2004)
/// divisible by 11 (or first nine mod 11 = 10 with a final 0).
pub(super) fn cz_rodne_cislo(value: &str) -> bool {
    let Some(d) = digits::exact::<10>(value) else {
        return false;
    };
    let yy = digits::pair(&d, 0);
    let mm = digits::pair(&d, 2);
    let month = match mm {
        1..=12 => mm,
        21..=32 => mm - 20,
        51..=62 => mm - 50,
        71..=82 => mm - 70,
        _ => return false,
    };
    let year = if yy >= 54 { 1900 + yy } else { 2000 + yy };
    if !calendar::valid_date(year, month, digits::pair(&d, 4)) {
        return false;
    }
    let first9 = digits::number(&d[..9]);
    digits::number(&d).is_multiple_of(11) || (first9 % 11 == 10 && d[9] == 0)
}

/// `ro_cnp`: sex/century digit, YYMMDD, county 01–52, serial, check from weights
/// 279146358279 (`sum mod 11`, 10 → 1).
pub(super) fn ro_cnp(value: &str) -> bool {
    let Some(d) = digits::exact::<13>(value) else {
        return false;
    };
    let yy = digits::pair(&d, 1);
    let year = match d[0] {
        1 | 2 => 1900 + yy,
        3 | 4 => 1800 + yy,
        5 | 6 => 2000 + yy,
        7..=9 => 2000 + yy, // residents and foreigners: the century is not encoded
        _ => return false,
    };
    let date_ok = if d[0] >= 7 {
        calendar::valid_day_any_year(digits::pair(&d, 3), digits::pair(&d, 5))
    } else {
        calendar::valid_date(year, digits::pair(&d, 3), digits::pair(&d, 5))
    };
    let county = digits::pair(&d, 7);
    if !date_ok || !(1..=52).contains(&county) {
        return false;
    }
    let r = digits::weighted_sum(&d[..12], &[2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9]) % 11;
    let check = if r == 10 { 1 } else { r };
    check == u32::from(d[12])
}

/// `ee_isikukood`: sex/century digit 1–6, YYMMDD, serial and the two-stage mod-11 check.
pub(super) fn ee_isikukood(value: &str) -> bool {
    let Some(d) = digits::exact::<11>(value) else {
        return false;
    };
    let century = match d[0] {
        1 | 2 => 1800,
        3 | 4 => 1900,
        5 | 6 => 2000,
        _ => return false,
    };
    let year = century + digits::pair(&d, 1);
    if !calendar::valid_date(year, digits::pair(&d, 3), digits::pair(&d, 5)) {
        return false;
    }
    let mut r = digits::weighted_sum(&d[..10], &[1, 2, 3, 4, 5, 6, 7, 8, 9, 1]) % 11;
    if r == 10 {
        r = digits::weighted_sum(&d[..10], &[3, 4, 5, 6, 7, 8, 9, 1, 2, 3]) % 11;
        if r == 10 {
            r = 0;
        }
    }
    r == u32::from(d[10])
}

/// `bg_egn`: YYMMDD (month +20 for the 1800s, +40 for the 2000s), serial, and the check
/// `weighted sum mod 11` (weights 2 4 8 5 10 9 7 3 6; 10 → 0).
pub(super) fn bg_egn(value: &str) -> bool {
    let Some(d) = digits::exact::<10>(value) else {
        return false;
    };
    let yy = digits::pair(&d, 0);
    let mm = digits::pair(&d, 2);
    let (year, month) = match mm {
        1..=12 => (1900 + yy, mm),
        21..=32 => (1800 + yy, mm - 20),
        41..=52 => (2000 + yy, mm - 40),
        _ => return false,
    };
    if !calendar::valid_date(year, month, digits::pair(&d, 4)) {
        return false;
    }
    let r = digits::weighted_sum(&d[..9], &[2, 4, 8, 5, 10, 9, 7, 3, 6]) % 11;
    let check = if r == 10 { 0 } else { r };
    check == u32::from(d[9])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pesel_century_month_and_check() {
        assert!(pl_pesel("44051401359"));
        assert!(pl_pesel("02270803624"));
        assert!(!pl_pesel("44051401358"));
        assert!(!pl_pesel("44151401359"));
    }

    #[test]
    fn rodne_cislo_mod_11_and_date() {
        assert!(cz_rodne_cislo("780123/3540"));
        assert!(cz_rodne_cislo("8552121237"));
        assert!(!cz_rodne_cislo("780123/3541"));
        assert!(!cz_rodne_cislo("781323/3540"));
    }

    #[test]
    fn cnp_county_and_check() {
        assert!(ro_cnp("1800101221144"));
        assert!(!ro_cnp("1800101221145"));
        assert!(!ro_cnp("1800101991142"));
        assert!(!ro_cnp("0800101221144"));
    }

    #[test]
    fn isikukood_two_stage_check() {
        assert!(ee_isikukood("37605030299"));
        assert!(!ee_isikukood("37605030298"));
        assert!(!ee_isikukood("77605030299"));
    }

    #[test]
    fn egn_century_months_and_check() {
        assert!(bg_egn("7523169263"));
        assert!(!bg_egn("7523169264"));
        assert!(!bg_egn("7513169263"));
    }
}
