//! Reading a fixed number of decimal digits out of a formatted number (`123-45-6789`,
//! `756.1234.5678.97`) without allocating.

/// Separators allowed between the digits of a formatted identifier.
const SEPARATORS: &[u8] = b" -./";

/// The digits of `s` as values 0..=9 when `s` holds exactly `N` ASCII digits and otherwise only
/// separators (space, `-`, `.`, `/`).
pub(super) fn exact<const N: usize>(s: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    let mut n = 0;
    for &b in s.as_bytes() {
        if b.is_ascii_digit() {
            if n == N {
                return None;
            }
            out[n] = b - b'0';
            n += 1;
        } else if !SEPARATORS.contains(&b) {
            return None;
        }
    }
    (n == N).then_some(out)
}

/// The number formed by `digits` (at most 19 of them).
pub(super) fn number(digits: &[u8]) -> u64 {
    digits.iter().fold(0u64, |acc, &d| acc * 10 + u64::from(d))
}

/// Two digits as a number (`[1, 9]` → 19).
pub(super) fn pair(digits: &[u8], at: usize) -> u32 {
    u32::from(digits[at]) * 10 + u32::from(digits[at + 1])
}

/// Weighted digit sum: `Σ digits[i] * weights[i]` over the shorter of the two.
pub(super) fn weighted_sum(digits: &[u8], weights: &[u32]) -> u32 {
    digits
        .iter()
        .zip(weights)
        .map(|(&d, &w)| u32::from(d) * w)
        .sum()
}

/// True when every digit is the same (`000000000`, `111111111`), a common filler.
pub(super) fn all_same(digits: &[u8]) -> bool {
    digits.windows(2).all(|w| w[0] == w[1])
}

/// Luhn checksum over `digits` (the last one is the check digit).
pub(super) fn luhn(digits: &[u8]) -> bool {
    if digits.len() < 2 {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// ISO 7064 MOD 11,10 check over `digits` (the last one is the check digit).
pub(super) fn iso7064_mod11_10(digits: &[u8]) -> bool {
    let Some((&check, body)) = digits.split_last() else {
        return false;
    };
    let mut product = 10u32;
    for &d in body {
        let mut sum = (u32::from(d) + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (sum * 2) % 11;
    }
    let expected = (11 - product) % 10;
    expected == u32::from(check)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_reads_formatted_digits_and_refuses_other_shapes() {
        assert_eq!(exact::<4>("12-34"), Some([1, 2, 3, 4]));
        assert_eq!(exact::<4>("1 2.3/4"), Some([1, 2, 3, 4]));
        assert_eq!(exact::<4>("123"), None);
        assert_eq!(exact::<4>("12345"), None);
        assert_eq!(exact::<4>("12a34"), None);
    }

    #[test]
    fn luhn_and_iso7064_accept_their_check_digits_only() {
        assert!(luhn(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 3]));
        assert!(!luhn(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 4]));
        // HR OIB style: ten digits and a MOD 11,10 check digit.
        assert!(iso7064_mod11_10(&[6, 9, 4, 3, 5, 1, 5, 1, 5, 3, 0]));
        assert!(!iso7064_mod11_10(&[6, 9, 4, 3, 5, 1, 5, 1, 5, 3, 1]));
    }
}
