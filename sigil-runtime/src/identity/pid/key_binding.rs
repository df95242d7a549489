//! The key-binding JWT (RFC 9901 §4.3): proof that the holder of `cnf.jwk` presented this very
//! credential, to us, just now, in answer to our nonce.

use serde_json::{Map, Value, json};

use crate::identity::oidc::SigningAlg;
use crate::identity::oidc::compact;
use crate::identity::oidc::jwk::{Lookup, parse_key_set};

use super::config::PidConfig;
use super::disclosure::sha256_b64url;
use super::error::PidError;
use crate::identity::jwt_times::numeric_date;

/// What the key-binding JWT must match.
pub(crate) struct Expected<'a> {
    pub(crate) nonce: &'a str,
    /// The presentation up to and including the last `~`.
    pub(crate) presented: &'a str,
    pub(crate) now: u64,
}

/// Checks `kb_jwt` against the holder key in the credential's (already verified) payload.
pub(crate) fn check(
    config: &PidConfig,
    payload: &Map<String, Value>,
    kb_jwt: &str,
    expected: &Expected<'_>,
) -> Result<(), PidError> {
    let jws = compact::parse(kb_jwt).map_err(|e| PidError::from_jws(&e, "key-binding JWT"))?;
    let alg = SigningAlg::from_jose(&jws.header.alg)
        .filter(|a| config.allowed_algs.contains(a))
        .ok_or(PidError::AlgNotAllowed)?;
    if jws.header.typ.as_deref() != Some("kb+jwt") {
        return Err(PidError::KeyBindingWrongType);
    }
    let holder = payload
        .get("cnf")
        .and_then(|cnf| cnf.get("jwk"))
        .filter(|jwk| jwk.is_object())
        .ok_or(PidError::NoHolderKey)?;
    let keys = parse_key_set(json!({ "keys": [holder] }).to_string().as_bytes())
        .map_err(|_| PidError::NoHolderKey)?;
    let key = match keys.find(None, alg) {
        Lookup::Found(key) => key,
        // The holder key is of another type than the KB-JWT's alg: not signed by it.
        Lookup::Mismatch | Lookup::NotFound => return Err(PidError::KeyBindingBadSignature),
    };
    if !jws.signature_verifies(&key, alg) {
        return Err(PidError::KeyBindingBadSignature);
    }
    let claims = &jws.claims;
    match claims.get("nonce") {
        Some(Value::String(nonce)) if nonce == expected.nonce => {}
        Some(Value::String(_)) => return Err(PidError::WrongNonce),
        Some(_) => return Err(PidError::InvalidClaim("nonce")),
        None => return Err(PidError::MissingClaim("nonce")),
    }
    match claims.get("aud") {
        Some(Value::String(aud)) if *aud == config.audience => {}
        Some(Value::String(_)) => return Err(PidError::WrongAudience),
        Some(_) => return Err(PidError::InvalidClaim("aud")),
        None => return Err(PidError::MissingClaim("aud")),
    }
    let iat = numeric_date(claims, "iat")?.ok_or(PidError::MissingClaim("iat"))?;
    let leeway = config.leeway.as_secs();
    let oldest = expected
        .now
        .saturating_sub(config.key_binding_max_age.as_secs())
        .saturating_sub(leeway);
    if iat < oldest || iat > expected.now.saturating_add(leeway) {
        return Err(PidError::StaleKeyBinding);
    }
    match claims.get("sd_hash") {
        Some(Value::String(hash)) if *hash == sha256_b64url(expected.presented) => Ok(()),
        Some(Value::String(_)) => Err(PidError::BadSdHash),
        Some(_) => Err(PidError::InvalidClaim("sd_hash")),
        None => Err(PidError::MissingClaim("sd_hash")),
    }
}
