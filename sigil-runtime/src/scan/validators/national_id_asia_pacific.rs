//! National identifiers of Asia-Pacific: Indian Aadhaar (Verhoeff) and Australian TFN.

use super::digits;

/// Verhoeff multiplication table (dihedral group D5).
const VERHOEFF_D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];

/// Verhoeff permutation table.
const VERHOEFF_P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

fn verhoeff(digits: &[u8]) -> bool {
    let mut c = 0u8;
    for (i, &d) in digits.iter().rev().enumerate() {
        c = VERHOEFF_D[c as usize][VERHOEFF_P[i % 8][d as usize] as usize];
    }
    c == 0
}

/// `in_aadhaar`: twelve digits, not starting with 0 or 1, Verhoeff check digit.
pub(super) fn in_aadhaar(value: &str) -> bool {
    let Some(d) = digits::exact::<12>(value) else {
        return false;
    };
    d[0] >= 2 && verhoeff(&d) && !digits::all_same(&d)
}

/// `au_tfn`: nine digits whose weighted sum (1 4 3 7 5 8 6 9 10) is a multiple of 11.
pub(super) fn au_tfn(value: &str) -> bool {
    let Some(d) = digits::exact::<9>(value) else {
        return false;
    };
    digits::weighted_sum(&d, &[1, 4, 3, 7, 5, 8, 6, 9, 10]).is_multiple_of(11)
        && !digits::all_same(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verhoeff_catches_single_digit_errors() {
        assert!(verhoeff(&[2, 3, 6, 3]));
        assert!(!verhoeff(&[2, 3, 6, 4]));
        assert!(in_aadhaar("2345 6789 0124"));
        assert!(!in_aadhaar("2345 6789 0125"));
        assert!(!in_aadhaar("1345 6789 0124"));
    }

    #[test]
    fn tfn_weights() {
        assert!(au_tfn("123 456 782"));
        assert!(!au_tfn("123 456 789"));
        assert!(!au_tfn("000 000 000"));
    }
}
