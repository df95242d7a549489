//! The configured PID issuers: public keys (JWK or PEM), each optionally bound to an `iss`.
//!
//! Every key is bound to the algorithms of its type (a P-256 key verifies ES256 only, an
//! Ed25519 key EdDSA only, ...): this reuses the OIDC resource server's JWK reading, so the rules
//! are the same (no symmetric keys, no encryption keys, RSA of 2048 bits at least).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use crate::identity::oidc::SigningAlg;
use crate::identity::oidc::jwk::{KeySet, Lookup, parse_key_set};

use super::error::PidError;

/// DER prefixes of SubjectPublicKeyInfo for the key types a PEM may hold here: the key bytes
/// follow directly. DER is canonical, so a byte-exact prefix is an exact parse.
const SPKI_P256: &[u8] = &[
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
];
const SPKI_P384: &[u8] = &[
    0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
    0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00, 0x04,
];
const SPKI_ED25519: &[u8] = &[
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

struct Entry {
    /// When set, the credential's `iss` must equal it for this key to be used.
    issuer: Option<String>,
    keys: KeySet,
    /// A single key added without a `kid`: it fits whatever `kid` the header names.
    bare: bool,
}

/// The keys PID issuers may sign with. Build it once; share it behind the verifier.
#[derive(Default)]
pub struct IssuerTrustList {
    entries: Vec<Entry>,
}

impl std::fmt::Debug for IssuerTrustList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerTrustList")
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl IssuerTrustList {
    /// An empty list (which trusts nobody).
    pub fn new() -> Self {
        Self::default()
    }

    /// How many entries (keys or key sets) the list holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when no key was added.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds one public JWK (an object with `kty`, `crv`, `x`, ...; `kid` and `alg` honoured).
    /// With `issuer`, the key verifies only credentials whose `iss` equals it.
    pub fn add_jwk(&mut self, jwk: &Value, issuer: Option<&str>) -> Result<(), PidError> {
        let set = json!({ "keys": [jwk] }).to_string();
        self.push(set.as_bytes(), issuer, jwk.get("kid").is_none())
    }

    /// Adds every usable key of a JWK Set document.
    pub fn add_jwks(&mut self, jwks: &[u8], issuer: Option<&str>) -> Result<(), PidError> {
        self.push(jwks, issuer, false)
    }

    fn push(&mut self, jwks: &[u8], issuer: Option<&str>, bare: bool) -> Result<(), PidError> {
        let keys =
            parse_key_set(jwks).map_err(|_| PidError::Config("no usable issuer public key"))?;
        self.entries.push(Entry {
            issuer: issuer.map(str::to_owned),
            keys,
            bare,
        });
        Ok(())
    }

    /// Adds a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) of type P-256 (ES256), P-384 (ES384) or
    /// Ed25519 (EdDSA). With `kid`, a credential header naming a `kid` must name this one;
    /// without, the key fits any `kid` (as does a JWK added without `kid`).
    pub fn add_pem(
        &mut self,
        pem: &str,
        kid: Option<&str>,
        issuer: Option<&str>,
    ) -> Result<(), PidError> {
        let mut jwk = pem_to_jwk(pem)?;
        if let Some(kid) = kid {
            jwk["kid"] = json!(kid);
        }
        self.add_jwk(&jwk, issuer)
    }

    /// The keys that may have signed a credential of `iss` with this header.
    pub(crate) fn candidates(
        &self,
        iss: Option<&str>,
        kid: Option<&str>,
        alg: SigningAlg,
    ) -> Vec<std::sync::Arc<crate::identity::oidc::jwk::VerifyKey>> {
        self.entries
            .iter()
            .filter(|e| e.issuer.as_deref().is_none_or(|i| Some(i) == iss))
            .filter_map(
                |e| match e.keys.find(if e.bare { None } else { kid }, alg) {
                    Lookup::Found(key) => Some(key),
                    Lookup::Mismatch | Lookup::NotFound => None,
                },
            )
            .collect()
    }
}

/// A PEM SubjectPublicKeyInfo as a public JWK.
fn pem_to_jwk(pem: &str) -> Result<Value, PidError> {
    const BAD: PidError = PidError::Config("not a PEM public key of type P-256, P-384 or Ed25519");
    let body = pem
        .trim()
        .strip_prefix("-----BEGIN PUBLIC KEY-----")
        .and_then(|rest| rest.strip_suffix("-----END PUBLIC KEY-----"))
        .ok_or(BAD)?;
    let b64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = STANDARD.decode(b64).map_err(|_| BAD)?;
    let b64url = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
    if let Some(point) = der.strip_prefix(SPKI_P256)
        && point.len() == 64
    {
        let (x, y) = point.split_at(32);
        return Ok(json!({"kty": "EC", "crv": "P-256", "x": b64url(x), "y": b64url(y)}));
    }
    if let Some(point) = der.strip_prefix(SPKI_P384)
        && point.len() == 96
    {
        let (x, y) = point.split_at(48);
        return Ok(json!({"kty": "EC", "crv": "P-384", "x": b64url(x), "y": b64url(y)}));
    }
    if let Some(key) = der.strip_prefix(SPKI_ED25519)
        && key.len() == 32
    {
        return Ok(json!({"kty": "OKP", "crv": "Ed25519", "x": b64url(key)}));
    }
    Err(BAD)
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    const Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

    fn p256_pem() -> String {
        let mut der = SPKI_P256.to_vec();
        der.extend(URL_SAFE_NO_PAD.decode(X).unwrap());
        der.extend(URL_SAFE_NO_PAD.decode(Y).unwrap());
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            STANDARD.encode(der)
        )
    }

    #[test]
    fn a_pem_p256_key_becomes_an_es256_only_key() {
        let mut list = IssuerTrustList::new();
        list.add_pem(&p256_pem(), Some("k1"), Some("https://pid.example"))
            .unwrap();
        let iss = Some("https://pid.example");
        assert_eq!(list.candidates(iss, Some("k1"), SigningAlg::Es256).len(), 1);
        assert_eq!(list.candidates(iss, None, SigningAlg::Es256).len(), 1);
        let mut bare = IssuerTrustList::new();
        bare.add_pem(&p256_pem(), None, None).unwrap();
        assert_eq!(
            bare.candidates(None, Some("any"), SigningAlg::Es256).len(),
            1
        );
        assert!(
            list.candidates(iss, Some("k1"), SigningAlg::Es384)
                .is_empty()
        );
        assert!(
            list.candidates(iss, Some("k2"), SigningAlg::Es256)
                .is_empty()
        );
        assert!(
            list.candidates(Some("https://other"), Some("k1"), SigningAlg::Es256)
                .is_empty()
        );
    }

    #[test]
    fn garbage_pem_and_symmetric_jwks_are_refused() {
        let mut list = IssuerTrustList::new();
        for pem in [
            "",
            "-----BEGIN PUBLIC KEY-----\n@@\n-----END PUBLIC KEY-----",
            "-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----",
            "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----",
        ] {
            assert!(list.add_pem(pem, None, None).is_err(), "{pem:?}");
        }
        assert!(
            list.add_jwk(&json!({"kty": "oct", "k": "c2VjcmV0"}), None)
                .is_err()
        );
        assert!(list.is_empty());
    }
}
