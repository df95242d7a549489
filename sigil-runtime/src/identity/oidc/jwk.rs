//! Reading an issuer's JWK Set into verification keys, each bound to the algorithms it may verify.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use serde::Deserialize;

use super::config::{KeyFamily, SigningAlg};

/// Smallest RSA modulus accepted, in bytes (2048 bits).
const MIN_RSA_MODULUS: usize = 256;

/// A public key from the JWKS, usable for signature verification.
pub(crate) struct VerifyKey {
    kid: Option<String>,
    family: KeyFamily,
    /// The JWK's own `alg`, if it names one: the key may then verify only that algorithm.
    alg: Option<SigningAlg>,
    pub(crate) key: DecodingKey,
}

impl VerifyKey {
    fn fits(&self, alg: SigningAlg) -> bool {
        self.family == alg.key_family() && self.alg.is_none_or(|own| own == alg)
    }
}

/// The result of looking a key up.
pub(crate) enum Lookup {
    Found(Arc<VerifyKey>),
    /// Keys with this `kid` exist, but none fits the token's algorithm.
    Mismatch,
    NotFound,
}

/// The usable keys of one JWKS document.
#[derive(Default)]
pub(crate) struct KeySet {
    keys: Vec<Arc<VerifyKey>>,
}

impl KeySet {
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// Finds the key for a token. Without `kid`, only a single fitting key is used.
    pub(crate) fn find(&self, kid: Option<&str>, alg: SigningAlg) -> Lookup {
        let Some(kid) = kid else {
            let mut fitting = self.keys.iter().filter(|k| k.fits(alg));
            return match (fitting.next(), fitting.next()) {
                (Some(only), None) => Lookup::Found(Arc::clone(only)),
                _ => Lookup::NotFound,
            };
        };
        let mut named = self
            .keys
            .iter()
            .filter(|k| k.kid.as_deref() == Some(kid))
            .peekable();
        if named.peek().is_none() {
            return Lookup::NotFound;
        }
        match named.find(|k| k.fits(alg)) {
            Some(key) => Lookup::Found(Arc::clone(key)),
            None => Lookup::Mismatch,
        }
    }
}

#[derive(Deserialize)]
struct RawJwks {
    keys: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawJwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    key_ops: Option<Vec<String>>,
    alg: Option<String>,
    crv: Option<String>,
    n: Option<String>,
    e: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

/// Parses a JWKS document. Keys that are symmetric, meant for encryption, of an unknown type or
/// curve, too weak, or broken are skipped; a set with no usable key is an error.
pub(crate) fn parse_key_set(body: &[u8]) -> Result<KeySet, &'static str> {
    let raw: RawJwks = serde_json::from_slice(body).map_err(|_| "JWKS is not a JWK Set")?;
    let keys: Vec<Arc<VerifyKey>> = raw
        .keys
        .into_iter()
        .filter_map(|v| serde_json::from_value::<RawJwk>(v).ok())
        .filter_map(|jwk| to_verify_key(&jwk).map(Arc::new))
        .collect();
    if keys.is_empty() {
        return Err("JWKS has no usable signature key");
    }
    Ok(KeySet { keys })
}

fn to_verify_key(jwk: &RawJwk) -> Option<VerifyKey> {
    if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
        return None;
    }
    if jwk
        .key_ops
        .as_ref()
        .is_some_and(|ops| !ops.iter().any(|o| o == "verify"))
    {
        return None;
    }
    let alg = match jwk.alg.as_deref() {
        None => None,
        // A key declaring an algorithm we do not accept (HS256, RSA-OAEP, ...) is not used.
        Some(name) => Some(SigningAlg::from_jose(name)?),
    };
    let decoded = |v: &Option<String>| v.as_deref().and_then(|s| URL_SAFE_NO_PAD.decode(s).ok());
    let (family, key) = match (jwk.kty.as_str(), jwk.crv.as_deref()) {
        ("RSA", _) => {
            let n = decoded(&jwk.n)?;
            let e = decoded(&jwk.e)?;
            let n_bytes = n.iter().skip_while(|b| **b == 0).count();
            if n_bytes < MIN_RSA_MODULUS || e.is_empty() {
                return None;
            }
            (KeyFamily::Rsa, DecodingKey::from_rsa_raw_components(&n, &e))
        }
        ("EC", Some(curve @ ("P-256" | "P-384"))) => {
            let (family, size) = if curve == "P-256" {
                (KeyFamily::P256, 32)
            } else {
                (KeyFamily::P384, 48)
            };
            let (x, y) = (decoded(&jwk.x)?, decoded(&jwk.y)?);
            if x.len() != size || y.len() != size {
                return None;
            }
            let (x, y) = (jwk.x.as_deref()?, jwk.y.as_deref()?);
            (family, DecodingKey::from_ec_components(x, y).ok()?)
        }
        ("OKP", Some("Ed25519")) => {
            if decoded(&jwk.x)?.len() != 32 {
                return None;
            }
            (
                KeyFamily::Ed25519,
                DecodingKey::from_ed_components(jwk.x.as_deref()?).ok()?,
            )
        }
        _ => return None,
    };
    if alg.is_some_and(|a| a.key_family() != family) {
        return None;
    }
    Some(VerifyKey {
        kid: jwk.kid.clone(),
        family,
        alg,
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    const Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

    fn set(keys: &str) -> Result<KeySet, &'static str> {
        parse_key_set(format!(r#"{{"keys":[{keys}]}}"#).as_bytes())
    }

    fn ec(kid: &str, extra: &str) -> String {
        format!(r#"{{"kty":"EC","crv":"P-256","kid":"{kid}","x":"{X}","y":"{Y}"{extra}}}"#)
    }

    #[test]
    fn keys_are_bound_to_their_algorithm_family() {
        let keys = set(&ec("k1", "")).unwrap();
        assert!(matches!(
            keys.find(Some("k1"), SigningAlg::Es256),
            Lookup::Found(_)
        ));
        assert!(matches!(
            keys.find(Some("k1"), SigningAlg::Rs256),
            Lookup::Mismatch
        ));
        assert!(matches!(
            keys.find(Some("k1"), SigningAlg::Es384),
            Lookup::Mismatch
        ));
        assert!(matches!(
            keys.find(Some("k2"), SigningAlg::Es256),
            Lookup::NotFound
        ));
        assert!(matches!(
            keys.find(None, SigningAlg::Es256),
            Lookup::Found(_)
        ));
    }

    #[test]
    fn a_declared_alg_restricts_the_key() {
        let keys = set(&ec("k1", r#","alg":"ES256""#)).unwrap();
        assert!(matches!(
            keys.find(Some("k1"), SigningAlg::Es256),
            Lookup::Found(_)
        ));
        assert!(set(&ec("k1", r#","alg":"HS256""#)).is_err());
        assert!(set(&ec("k1", r#","alg":"RS256""#)).is_err());
    }

    #[test]
    fn unusable_keys_are_skipped() {
        assert!(set(&ec("k1", r#","use":"enc""#)).is_err());
        assert!(set(&ec("k1", r#","key_ops":["encrypt"]"#)).is_err());
        assert!(set(r#"{"kty":"oct","k":"c2VjcmV0","kid":"h"}"#).is_err());
        assert!(set(r#"{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"small"}"#).is_err());
        assert!(set(r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#).is_err());
        assert!(set(r#"{"kty":"EC","crv":"secp256k1","x":"AA","y":"AA"}"#).is_err());
        assert!(parse_key_set(b"[]").is_err());
        assert!(parse_key_set(b"{\"keys\":7}").is_err());
        let mixed = set(&format!(
            r#"{{"kty":"oct","k":"c2VjcmV0"}},{},"x""#,
            ec("k1", "")
        ))
        .unwrap();
        assert_eq!(mixed.len(), 1);
    }

    #[test]
    fn without_kid_an_ambiguous_set_finds_nothing() {
        let keys = set(&format!("{},{}", ec("a", ""), ec("b", ""))).unwrap();
        assert!(matches!(
            keys.find(None, SigningAlg::Es256),
            Lookup::NotFound
        ));
    }
}
