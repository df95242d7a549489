//! ID token verification (OpenID Connect Core §3.1.3.7), with the resource server's JOSE code:
//! the signature by the issuer's JWKS key under an allow-listed asymmetric `alg`, exact `iss`,
//! `aud` containing our `client_id` (and `azp` equal to it when there are several audiences),
//! the `nonce` we sent (none at all when we sent none: the device grant has no nonce), `exp` and
//! `iat` with the leeway.

use serde_json::{Map, Value};

use super::super::compact;
use super::super::config::SigningAlg;
use super::super::error::TokenError;
use super::super::key_cache::KeyCache;

/// What a verified ID token says about the login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IdTokenClaims {
    pub(crate) subject: String,
    pub(crate) acr: Option<String>,
    pub(crate) amr: Option<Vec<String>>,
    /// Seconds since the epoch.
    pub(crate) expires_at: u64,
}

/// What the ID token's `nonce` must be.
#[derive(Clone, Copy)]
pub(crate) enum NonceRule<'a> {
    /// Exactly the nonce sent with the authentication request.
    Equal(&'a str),
    /// None at all: none was sent (device authorization grant).
    Absent,
    /// A refreshed ID token: none, or the original one (OpenID Connect Core §12.2).
    AbsentOrEqual(&'a str),
}

/// What the ID token must match.
pub(crate) struct Expected<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) client_id: &'a str,
    pub(crate) nonce: NonceRule<'a>,
    pub(crate) allowed_algs: &'a [SigningAlg],
    /// Seconds since the epoch, and the leeway in seconds.
    pub(crate) now: u64,
    pub(crate) leeway: u64,
}

pub(crate) async fn verify_id_token(
    keys: &KeyCache,
    token: &str,
    expected: &Expected<'_>,
) -> Result<IdTokenClaims, TokenError> {
    let jws = compact::parse(token)?;
    let alg = SigningAlg::from_jose(&jws.header.alg).ok_or(TokenError::AlgNotAllowed)?;
    if !expected.allowed_algs.contains(&alg) {
        return Err(TokenError::AlgNotAllowed);
    }
    // An access token (RFC 9068) is not an ID token, whatever else it says.
    if jws
        .header
        .typ
        .as_deref()
        .is_some_and(|t| t.to_ascii_lowercase().ends_with("at+jwt"))
    {
        return Err(TokenError::WrongType);
    }
    match jws.claims.get("iss") {
        Some(Value::String(iss)) if iss == expected.issuer => {}
        Some(Value::String(_)) => return Err(TokenError::UnknownIssuer),
        Some(_) => return Err(TokenError::InvalidClaim("iss")),
        None => return Err(TokenError::MissingClaim("iss")),
    }
    let key = keys.key_for(jws.header.kid.as_deref(), alg).await?;
    if !jws.signature_verifies(&key, alg) {
        return Err(TokenError::BadSignature);
    }
    check_claims(&jws.claims, expected)
}

fn check_claims(
    claims: &Map<String, Value>,
    expected: &Expected<'_>,
) -> Result<IdTokenClaims, TokenError> {
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(aud)) => vec![aud.as_str()],
        Some(Value::Array(auds)) => auds
            .iter()
            .map(|a| a.as_str().ok_or(TokenError::InvalidClaim("aud")))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(TokenError::InvalidClaim("aud")),
        None => return Err(TokenError::MissingClaim("aud")),
    };
    if !audiences.contains(&expected.client_id) {
        return Err(TokenError::WrongAudience);
    }
    let azp = string(claims, "azp")?;
    if (audiences.len() > 1 || azp.is_some()) && azp.as_deref() != Some(expected.client_id) {
        return Err(TokenError::InvalidClaim("azp"));
    }
    match (expected.nonce, claims.get("nonce")) {
        (NonceRule::Equal(sent) | NonceRule::AbsentOrEqual(sent), Some(Value::String(n)))
            if constant_time_eq(n.as_bytes(), sent.as_bytes()) => {}
        (NonceRule::Absent | NonceRule::AbsentOrEqual(_), None) => {}
        (NonceRule::Equal(_), None) => return Err(TokenError::MissingClaim("nonce")),
        // A different nonce, or one where none was sent: an ID token of another request.
        (_, Some(_)) => return Err(TokenError::InvalidClaim("nonce")),
    }
    let exp = seconds(claims, "exp")?.ok_or(TokenError::MissingClaim("exp"))?;
    if exp.saturating_add(expected.leeway) <= expected.now {
        return Err(TokenError::Expired);
    }
    let iat = seconds(claims, "iat")?.ok_or(TokenError::MissingClaim("iat"))?;
    if iat > expected.now.saturating_add(expected.leeway) {
        return Err(TokenError::IssuedInFuture);
    }
    let subject = string(claims, "sub")?.ok_or(TokenError::MissingClaim("sub"))?;
    if subject.is_empty() {
        return Err(TokenError::InvalidClaim("sub"));
    }
    let amr = match claims.get("amr") {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or(TokenError::InvalidClaim("amr"))?,
        ),
        Some(_) => return Err(TokenError::InvalidClaim("amr")),
    };
    Ok(IdTokenClaims {
        subject,
        acr: string(claims, "acr")?,
        amr,
        expires_at: exp,
    })
}

fn string(claims: &Map<String, Value>, name: &'static str) -> Result<Option<String>, TokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(TokenError::InvalidClaim(name)),
    }
}

/// A NumericDate as whole seconds; fractions are not accepted in ID tokens here.
fn seconds(claims: &Map<String, Value>, name: &'static str) -> Result<Option<u64>, TokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or(TokenError::InvalidClaim(name)),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn expected() -> Expected<'static> {
        Expected {
            issuer: "https://i",
            client_id: "cli",
            nonce: NonceRule::Equal("n-1"),
            allowed_algs: &SigningAlg::ALL,
            now: NOW,
            leeway: 30,
        }
    }

    fn claims(extra: Value) -> Map<String, Value> {
        let mut c = json!({"iss": "https://i", "sub": "alice", "aud": "cli", "nonce": "n-1",
            "exp": NOW + 300, "iat": NOW, "acr": "http://eidas.europa.eu/LoA/high", "amr": ["pwd", "otp"]});
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        c.as_object().unwrap().clone()
    }

    #[test]
    fn a_good_id_token_gives_the_login() {
        let c = check_claims(&claims(json!({})), &expected()).unwrap();
        assert_eq!(c.subject, "alice");
        assert_eq!(c.acr.as_deref(), Some("http://eidas.europa.eu/LoA/high"));
        assert_eq!(c.expires_at, NOW + 300);
        let c = check_claims(
            &claims(json!({"aud": ["cli", "x"], "azp": "cli"})),
            &expected(),
        );
        assert!(c.is_ok());
    }

    #[test]
    fn each_wrong_claim_is_refused() {
        let cases = [
            (json!({"aud": "other"}), TokenError::WrongAudience),
            (json!({"aud": null}), TokenError::MissingClaim("aud")),
            (
                json!({"aud": ["cli", "x"]}),
                TokenError::InvalidClaim("azp"),
            ),
            (json!({"azp": "x"}), TokenError::InvalidClaim("azp")),
            (json!({"nonce": "n-2"}), TokenError::InvalidClaim("nonce")),
            (json!({"nonce": null}), TokenError::MissingClaim("nonce")),
            (json!({"exp": NOW - 31}), TokenError::Expired),
            (json!({"exp": null}), TokenError::MissingClaim("exp")),
            (json!({"iat": NOW + 31}), TokenError::IssuedInFuture),
            (json!({"iat": "now"}), TokenError::InvalidClaim("iat")),
            (json!({"sub": ""}), TokenError::InvalidClaim("sub")),
            (json!({"sub": null}), TokenError::MissingClaim("sub")),
            (json!({"amr": "pwd"}), TokenError::InvalidClaim("amr")),
        ];
        let no_nonce_sent = Expected {
            nonce: NonceRule::Absent,
            ..expected()
        };
        let refreshed = Expected {
            nonce: NonceRule::AbsentOrEqual("n-1"),
            ..expected()
        };
        assert!(check_claims(&claims(json!({})), &refreshed).is_ok());
        assert!(check_claims(&claims(json!({"nonce": null})), &refreshed).is_ok());
        assert_eq!(
            check_claims(&claims(json!({"nonce": "n-2"})), &refreshed),
            Err(TokenError::InvalidClaim("nonce"))
        );
        assert_eq!(
            check_claims(&claims(json!({})), &no_nonce_sent),
            Err(TokenError::InvalidClaim("nonce"))
        );
        assert!(check_claims(&claims(json!({"nonce": null})), &no_nonce_sent).is_ok());
        for (extra, error) in cases {
            assert_eq!(
                check_claims(&claims(extra.clone()), &expected()),
                Err(error),
                "{extra}"
            );
        }
    }
}
