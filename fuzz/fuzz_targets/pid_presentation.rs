//! The SD-JWT VC verifier of EUDI PID presentations, two ways:
//!
//! - first byte even: the rest is the presentation as sent (any text);
//! - first byte odd: the rest, split at `\n`, is an issuer payload (JSON text) and the contents of
//!   disclosures (JSON text, base64url-encoded here). The target fills in what the fuzzer cannot
//!   guess (issuer, holder key, times, the `_sd` digests of its disclosures when absent), signs
//!   the issuer JWT with the trusted key and the key-binding JWT with the holder key over the
//!   right nonce, audience and `sd_hash`, so the disclosure and claim handling behind the
//!   signatures is reached.
//!
//! Either way: no panic, and an accepted presentation names an `eidas:pid:` principal.
#![no_main]

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{EncodePublicKey as _, LineEnding};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use sigil_runtime::identity::pid::{IssuerTrustList, PidConfig, PidVerifier};

const ISSUER: &str = "https://pid-issuer.example.eu";
const AUDIENCE: &str = "https://mcp.example.eu";
const NONCE: &str = "fuzz-nonce";

struct Rig {
    issuer: SigningKey,
    holder: SigningKey,
    verifier: PidVerifier,
}

fn rig() -> &'static Rig {
    static RIG: OnceLock<Rig> = OnceLock::new();
    RIG.get_or_init(|| {
        let issuer = SigningKey::from_bytes(&[7u8; 32].into()).expect("issuer key");
        let holder = SigningKey::from_bytes(&[9u8; 32].into()).expect("holder key");
        let pem = p256::PublicKey::from(issuer.verifying_key())
            .to_public_key_pem(LineEnding::LF)
            .expect("pem");
        let mut trust = IssuerTrustList::new();
        trust.add_pem(&pem, Some(ISSUER), None).expect("trust list");
        let verifier = PidVerifier::new(PidConfig::new(trust, AUDIENCE)).expect("verifier");
        Rig {
            issuer,
            holder,
            verifier,
        }
    })
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn jws(header: &Value, payload: &str, key: &SigningKey) -> String {
    let input = format!("{}.{}", b64(header.to_string()), b64(payload));
    let signature: Signature = key.sign(input.as_bytes());
    format!("{input}.{}", b64(signature.to_bytes()))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn structured(rig: &Rig, text: &str) -> String {
    let mut parts = text.split('\n');
    let payload_text = parts.next().unwrap_or("");
    let disclosures: Vec<String> = parts.map(b64).collect();
    let payload = match serde_json::from_str::<Value>(payload_text) {
        Ok(Value::Object(mut claims)) => {
            let t = now();
            claims.entry("iss").or_insert(json!(ISSUER));
            claims.entry("vct").or_insert(json!("urn:eudi:pid:1"));
            claims.entry("iat").or_insert(json!(t - 10));
            claims.entry("exp").or_insert(json!(t + 3600));
            claims.entry("_sd").or_insert_with(|| {
                disclosures
                    .iter()
                    .map(|d| json!(b64(Sha256::digest(d.as_bytes()))))
                    .collect()
            });
            let jwk: Value = serde_json::from_str(
                &p256::PublicKey::from(rig.holder.verifying_key()).to_jwk_string(),
            )
            .expect("jwk");
            claims.insert("cnf".into(), json!({ "jwk": jwk }));
            Value::Object(claims).to_string()
        }
        // Not an object: signed as it is.
        _ => payload_text.to_owned(),
    };
    let header = json!({"alg": "ES256", "typ": "dc+sd-jwt"});
    let mut presented = format!("{}~", jws(&header, &payload, &rig.issuer));
    for d in &disclosures {
        presented.push_str(d);
        presented.push('~');
    }
    let kb = json!({
        "nonce": NONCE, "aud": AUDIENCE, "iat": now(),
        "sd_hash": b64(Sha256::digest(presented.as_bytes())),
    });
    let kb_header = json!({"alg": "ES256", "typ": "kb+jwt"});
    presented.push_str(&jws(&kb_header, &kb.to_string(), &rig.holder));
    presented
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let rig = rig();
    let text = String::from_utf8_lossy(rest);
    let presentation = if mode % 2 == 0 {
        text.into_owned()
    } else {
        structured(rig, &text)
    };
    if let Ok(pid) = rig.verifier.verify(&presentation, NONCE) {
        let principal = pid.caller().principal().to_string();
        assert!(principal.starts_with("eidas:pid:"), "{principal}");
    }
});
