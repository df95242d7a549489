//! NumericDate claims and the validity window of a credential.

use serde_json::{Map, Value};

use super::error::PidError;

/// A NumericDate (RFC 7519 §2): a non-negative JSON number, fractions truncated.
pub(crate) fn numeric_date(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<u64>, PidError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => match (n.as_u64(), n.as_f64()) {
            (Some(v), _) => Ok(Some(v)),
            // Truncation is the intent; the range check keeps the cast exact enough.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            (None, Some(v)) if v.is_finite() && (0.0..1.0e15).contains(&v) => Ok(Some(v as u64)),
            _ => Err(PidError::InvalidClaim(name)),
        },
        Some(_) => Err(PidError::InvalidClaim(name)),
    }
}

/// Checks `exp` (required), `nbf` and `iat` at `now` with `leeway` seconds; returns `exp`.
pub(crate) fn check_validity(
    claims: &Map<String, Value>,
    now: u64,
    leeway: u64,
) -> Result<u64, PidError> {
    let exp = numeric_date(claims, "exp")?.ok_or(PidError::MissingClaim("exp"))?;
    if exp.saturating_add(leeway) <= now {
        return Err(PidError::Expired);
    }
    if let Some(nbf) = numeric_date(claims, "nbf")?
        && nbf > now.saturating_add(leeway)
    {
        return Err(PidError::NotYetValid);
    }
    if let Some(iat) = numeric_date(claims, "iat")?
        && iat > now.saturating_add(leeway)
    {
        return Err(PidError::IssuedInFuture);
    }
    Ok(exp)
}
