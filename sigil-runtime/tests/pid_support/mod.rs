//! A test PID issuer and wallet: P-256 keys made on the spot, SD-JWT VC credentials with every
//! PID attribute selectively disclosable, and presentations with a key-binding JWT. Every part
//! can be tampered with before it is signed or presented.

#![allow(dead_code, unreachable_pub)]

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{EncodePublicKey as _, LineEnding};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

pub const ISSUER: &str = "https://pid-issuer.example.eu";
pub const VERIFIER: &str = "https://mcp.example.eu";
pub const PERSON_ID: &str = "DE-123456789";

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn sha256_b64(text: &str) -> String {
    b64(Sha256::digest(text.as_bytes()))
}

/// A fresh P-256 key.
pub fn key() -> SigningKey {
    SigningKey::random(&mut rand_core::OsRng)
}

/// The public JWK of `key`.
pub fn public_jwk(key: &SigningKey) -> Value {
    let jwk = p256::PublicKey::from(key.verifying_key()).to_jwk_string();
    serde_json::from_str(&jwk).unwrap()
}

/// The public key of `key` as a PEM SubjectPublicKeyInfo.
pub fn public_pem(key: &SigningKey) -> String {
    p256::PublicKey::from(key.verifying_key())
        .to_public_key_pem(LineEnding::LF)
        .unwrap()
}

/// A compact JWS over `header` and `payload`, ES256-signed with `key`.
pub fn jws(header: &Value, payload: &Value, key: &SigningKey) -> String {
    let input = format!("{}.{}", b64(header.to_string()), b64(payload.to_string()));
    let signature: Signature = key.sign(input.as_bytes());
    format!("{input}.{}", b64(signature.to_bytes()))
}

/// An object-property disclosure.
pub fn disclose(name: &str, value: Value) -> String {
    b64(json!([b64(name), name, value]).to_string())
}

/// A credential before it is signed: change anything, then [`Credential::sign`].
pub struct Credential {
    pub header: Value,
    pub payload: Value,
    pub disclosures: Vec<String>,
}

impl Credential {
    /// A PID for the holder `holder`: given and family name, birth date, nationalities (array
    /// element disclosures), issuing country and the personal administrative number, all
    /// selectively disclosed; a decoy digest; valid for a day.
    pub fn pid(holder: &SigningKey) -> Self {
        let mut disclosures = vec![
            disclose("family_name", json!("Mustermann")),
            disclose("given_name", json!("Erika")),
            disclose("birthdate", json!("1964-08-12")),
            disclose("issuing_country", json!("DE")),
            disclose("personal_administrative_number", json!(PERSON_ID)),
        ];
        let mut sd: Vec<Value> = disclosures.iter().map(|d| json!(sha256_b64(d))).collect();
        sd.push(json!(sha256_b64("decoy")));
        let de = b64(json!(["n1", "DE"]).to_string());
        let nationalities = json!([{ "...": sha256_b64(&de) }]);
        disclosures.push(de);
        let t = now();
        Self {
            header: json!({"alg": "ES256", "typ": "dc+sd-jwt", "kid": "issuer-1"}),
            payload: json!({
                "iss": ISSUER,
                "vct": "urn:eudi:pid:1",
                "iat": t - 10,
                "exp": t + 86_400,
                "_sd_alg": "sha-256",
                "_sd": sd,
                "nationalities": nationalities,
                "cnf": { "jwk": public_jwk(holder) },
            }),
            disclosures,
        }
    }

    /// The issuer JWT, signed by `issuer`.
    pub fn sign(&self, issuer: &SigningKey) -> String {
        jws(&self.header, &self.payload, issuer)
    }
}

/// The key-binding JWT's content: change anything, then [`KeyBinding::present`].
pub struct KeyBinding {
    pub header: Value,
    pub nonce: String,
    pub aud: String,
    pub iat: u64,
    /// `None`: computed over the presentation.
    pub sd_hash: Option<String>,
}

impl KeyBinding {
    pub fn new(nonce: &str) -> Self {
        Self {
            header: json!({"alg": "ES256", "typ": "kb+jwt"}),
            nonce: nonce.to_owned(),
            aud: VERIFIER.to_owned(),
            iat: now(),
            sd_hash: None,
        }
    }

    /// `<issuer_jwt>~<d1>~...~<dn>~<kb-jwt>`, the KB-JWT signed by `holder`.
    pub fn present(&self, issuer_jwt: &str, disclosures: &[String], holder: &SigningKey) -> String {
        let mut presented = format!("{issuer_jwt}~");
        for d in disclosures {
            presented.push_str(d);
            presented.push('~');
        }
        let sd_hash = self
            .sd_hash
            .clone()
            .unwrap_or_else(|| sha256_b64(&presented));
        let payload = json!({
            "nonce": self.nonce, "aud": self.aud, "iat": self.iat, "sd_hash": sd_hash,
        });
        format!("{presented}{}", jws(&self.header, &payload, holder))
    }
}
