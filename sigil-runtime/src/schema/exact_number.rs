//! Exact comparison of JSON numbers.
//!
//! serde_json holds a number as `u64`, `i64` or `f64`. Comparing through `f64` is wrong at the
//! edges a hostile caller picks: `18446744073709551616` (2^64) and `u64::MAX` are the same
//! `f64`, so a bound of `maximum: 18446744073709551615` would let 2^64 through. Here integers
//! stay integers and a float is compared with an integer exactly.

use std::cmp::Ordering;

use serde_json::Number;

/// 2^127 as an `f64`: every integral `f64` below it in magnitude fits an `i128` exactly.
const TWO_POW_127: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0;

/// The exact order of `a` and `b` (`None` only if one is NaN, which JSON cannot hold).
pub(crate) fn compare(a: &Number, b: &Number) -> Option<Ordering> {
    match (integer(a), integer(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        (Some(x), None) => compare_int_float(x, b.as_f64()?),
        (None, Some(y)) => compare_int_float(y, a.as_f64()?).map(Ordering::reverse),
        (None, None) => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

fn integer(n: &Number) -> Option<i128> {
    n.as_u64()
        .map(i128::from)
        .or_else(|| n.as_i64().map(i128::from))
}

fn compare_int_float(x: i128, y: f64) -> Option<Ordering> {
    if y.is_nan() {
        return None;
    }
    if y >= TWO_POW_127 {
        return Some(Ordering::Less);
    }
    if y < -TWO_POW_127 {
        return Some(Ordering::Greater);
    }
    let whole = y.trunc();
    // Exact: `whole` is integral and within the range of `i128`.
    #[allow(clippy::cast_possible_truncation)]
    let w = whole as i128;
    Some(match x.cmp(&w) {
        Ordering::Equal => 0.0_f64.partial_cmp(&(y - whole))?,
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn n(v: serde_json::Value) -> Number {
        match v {
            serde_json::Value::Number(n) => n,
            other => panic!("not a number: {other}"),
        }
    }

    #[test]
    fn two_pow_64_is_above_u64_max_although_their_f64_are_equal() {
        let big: Number = serde_json::from_str("18446744073709551616").unwrap();
        let max = n(json!(u64::MAX));
        assert_eq!(big.as_f64(), max.as_f64());
        assert_eq!(compare(&big, &max), Some(Ordering::Greater));
        assert_eq!(compare(&max, &big), Some(Ordering::Less));
    }

    #[test]
    fn floats_and_integers_compare_exactly() {
        let cases = [
            (json!(1.5), json!(1), Ordering::Greater),
            (json!(0.5), json!(1), Ordering::Less),
            (json!(1.0), json!(1), Ordering::Equal),
            (json!(-0.5), json!(0), Ordering::Less),
            (json!(1e30), json!(u64::MAX), Ordering::Greater),
            (json!(-1e30), json!(i64::MIN), Ordering::Less),
            (json!(i64::MIN), json!(u64::MAX), Ordering::Less),
            (
                json!(9_007_199_254_740_993_u64),
                json!(9_007_199_254_740_992.0),
                Ordering::Greater,
            ),
            (json!(2.5), json!(2.25), Ordering::Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(
                compare(&n(a.clone()), &n(b.clone())),
                Some(want),
                "{a} vs {b}"
            );
        }
    }
}
