//! The time claims of a JWT (RFC 7519 §4.1.4–4.1.6), checked the same way for OIDC access tokens
//! and PID credentials: `exp` required, `nbf` and `iat` optional, all with one leeway.

use serde_json::{Map, Value};

/// Why a token's time claims fail; each token kind maps it into its own error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeClaimError {
    /// A required claim is absent.
    Missing(&'static str),
    /// A claim is not a non-negative number.
    Invalid(&'static str),
    /// `exp` is in the past (beyond the leeway).
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid,
    /// `iat` is in the future (beyond the leeway).
    IssuedInFuture,
}

/// A NumericDate (RFC 7519 §2): a non-negative JSON number, fractions truncated.
pub(crate) fn numeric_date(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<u64>, TimeClaimError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => match (n.as_u64(), n.as_f64()) {
            (Some(v), _) => Ok(Some(v)),
            // Truncation is the intent; the range check keeps the cast exact enough.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            (None, Some(v)) if v.is_finite() && (0.0..1.0e15).contains(&v) => Ok(Some(v as u64)),
            _ => Err(TimeClaimError::Invalid(name)),
        },
        Some(_) => Err(TimeClaimError::Invalid(name)),
    }
}

/// Checks `exp` (required), `nbf` and `iat` at `now` with `leeway` seconds; returns `exp`.
pub(crate) fn check_validity(
    claims: &Map<String, Value>,
    now: u64,
    leeway: u64,
) -> Result<u64, TimeClaimError> {
    let exp = numeric_date(claims, "exp")?.ok_or(TimeClaimError::Missing("exp"))?;
    if exp.saturating_add(leeway) <= now {
        return Err(TimeClaimError::Expired);
    }
    if let Some(nbf) = numeric_date(claims, "nbf")?
        && nbf > now.saturating_add(leeway)
    {
        return Err(TimeClaimError::NotYetValid);
    }
    if let Some(iat) = numeric_date(claims, "iat")?
        && iat > now.saturating_add(leeway)
    {
        return Err(TimeClaimError::IssuedInFuture);
    }
    Ok(exp)
}
