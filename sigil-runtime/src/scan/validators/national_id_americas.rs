//! National identifiers of the Americas: US SSN and ITIN, Canadian SIN, Brazilian CPF and CNPJ.

use super::digits;

/// Numbers the SSA never issues or that were published as specimens.
const SSN_SPECIMENS: &[[u8; 9]] = &[
    [0, 7, 8, 0, 5, 1, 1, 2, 0], // the Woolworth wallet card
    [2, 1, 9, 0, 9, 9, 9, 9, 9], // SSA pamphlet specimen
    [1, 2, 3, 4, 5, 6, 7, 8, 9], // the textbook example
];

/// `us_ssn`: area not 000, 666 or 900–999; group not 00; serial not 0000; not a specimen.
pub(super) fn us_ssn(value: &str) -> bool {
    let Some(d) = digits::exact::<9>(value) else {
        return false;
    };
    let area = digits::number(&d[..3]);
    let group = digits::number(&d[3..5]);
    let serial = digits::number(&d[5..]);
    area != 0
        && area != 666
        && area < 900
        && group != 0
        && serial != 0
        && !SSN_SPECIMENS.contains(&d)
        && !digits::all_same(&d)
}

/// `us_itin`: 9XX-GG-SSSS with the group in 50–65, 70–88, 90–92 or 94–99.
pub(super) fn us_itin(value: &str) -> bool {
    let Some(d) = digits::exact::<9>(value) else {
        return false;
    };
    let group = digits::pair(&d, 3);
    d[0] == 9
        && matches!(group, 50..=65 | 70..=88 | 90..=92 | 94..=99)
        && digits::number(&d[5..]) != 0
}

/// `ca_sin`: nine digits, Luhn, not starting with 0 or 8 (never issued).
pub(super) fn ca_sin(value: &str) -> bool {
    let Some(d) = digits::exact::<9>(value) else {
        return false;
    };
    d[0] != 0 && d[0] != 8 && digits::luhn(&d) && !digits::all_same(&d)
}

/// One mod-11 check digit of the CPF/CNPJ family: `sum % 11 < 2 → 0`, else `11 - sum % 11`.
fn mod11_digit(digits: &[u8], weights: &[u32]) -> u8 {
    let r = digits::weighted_sum(digits, weights) % 11;
    if r < 2 { 0 } else { (11 - r) as u8 }
}

/// `br_cpf`: eleven digits with two mod-11 check digits; not all the same digit.
pub(super) fn br_cpf(value: &str) -> bool {
    let Some(d) = digits::exact::<11>(value) else {
        return false;
    };
    !digits::all_same(&d)
        && mod11_digit(&d[..9], &[10, 9, 8, 7, 6, 5, 4, 3, 2]) == d[9]
        && mod11_digit(&d[..10], &[11, 10, 9, 8, 7, 6, 5, 4, 3, 2]) == d[10]
}

/// `br_cnpj`: fourteen digits with two mod-11 check digits; not all the same digit.
pub(super) fn br_cnpj(value: &str) -> bool {
    let Some(d) = digits::exact::<14>(value) else {
        return false;
    };
    !digits::all_same(&d)
        && mod11_digit(&d[..12], &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]) == d[12]
        && mod11_digit(&d[..13], &[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]) == d[13]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssn_follows_the_ssa_allocation_rules() {
        assert!(us_ssn("536-22-1234"));
        assert!(us_ssn("536221234"));
        assert!(!us_ssn("000-22-1234"));
        assert!(!us_ssn("666-22-1234"));
        assert!(!us_ssn("912-22-1234"));
        assert!(!us_ssn("536-00-1234"));
        assert!(!us_ssn("536-22-0000"));
        assert!(!us_ssn("078-05-1120"));
        assert!(!us_ssn("123-45-6789"));
    }

    #[test]
    fn itin_needs_a_9_and_an_itin_group() {
        assert!(us_itin("912-70-1234"));
        assert!(us_itin("900-94-0001"));
        assert!(!us_itin("912-93-1234"));
        assert!(!us_itin("812-70-1234"));
        assert!(!us_itin("912-40-1234"));
    }

    #[test]
    fn sin_is_luhn_and_not_0_or_8() {
        assert!(ca_sin("130 454 283"));
        assert!(!ca_sin("130 454 284"));
        // The published specimen starts with 0, which is never issued.
        assert!(!ca_sin("046 454 286"));
        assert!(!ca_sin("000 000 000"));
    }

    #[test]
    fn cpf_and_cnpj_check_both_digits() {
        assert!(br_cpf("529.982.247-25"));
        assert!(!br_cpf("529.982.247-26"));
        assert!(!br_cpf("111.111.111-11"));
        assert!(br_cnpj("11.222.333/0001-81"));
        assert!(!br_cnpj("11.222.333/0001-80"));
        assert!(!br_cnpj("00.000.000/0000-00"));
    }
}
