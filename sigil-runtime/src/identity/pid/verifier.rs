//! The verifier: from `<issuer-jwt>~<disclosure>~...~<kb-jwt>` to a [`VerifiedPid`].

use std::time::{Duration, UNIX_EPOCH};

use serde_json::Value;

use crate::basics::now_secs;
use crate::identity::oidc::SigningAlg;
use crate::identity::oidc::compact;

use super::config::PidConfig;
use super::disclosure::Disclosures;
use super::error::PidError;
use super::key_binding::{self, Expected};
use super::person::{self, VerifiedPid};
use crate::identity::jwt_times::check_validity;

/// Verifies EUDI Wallet PID presentations (SD-JWT VC with key binding). Cheap to share behind
/// an `Arc`; holds no per-presentation state (nonces are the caller's, see
/// [`super::PresentationRequests`]).
#[derive(Debug)]
pub struct PidVerifier {
    config: PidConfig,
}

impl PidVerifier {
    /// Checks the configuration.
    pub fn new(config: PidConfig) -> Result<Self, PidError> {
        config.validate()?;
        Ok(Self { config })
    }

    /// The key-binding audience this verifier expects (its OpenID4VP `client_id`).
    pub fn audience(&self) -> &str {
        &self.config.audience
    }

    /// The accepted `vct` values.
    pub fn accepted_vcts(&self) -> &[String] {
        &self.config.accepted_vcts
    }

    /// The largest presentation accepted, in bytes.
    pub fn max_presentation_bytes(&self) -> usize {
        self.config.max_presentation_bytes
    }

    /// The claim the person identifier is read from.
    pub fn id_claim(&self) -> &str {
        &self.config.id_claim
    }

    /// Verifies `presentation`, whose key-binding JWT must carry `nonce`, at the current time.
    pub fn verify(&self, presentation: &str, nonce: &str) -> Result<VerifiedPid, PidError> {
        self.verify_at(presentation, nonce, now_secs())
    }

    /// [`verify`](Self::verify) at `now` (seconds since the Unix epoch), for tests and replays
    /// of recorded traffic.
    pub fn verify_at(
        &self,
        presentation: &str,
        nonce: &str,
        now: u64,
    ) -> Result<VerifiedPid, PidError> {
        let config = &self.config;
        if presentation.len() > config.max_presentation_bytes {
            return Err(PidError::TooLarge);
        }
        // <issuer-jwt>~<d1>~...~<dn>~<kb-jwt>: the part up to the last `~` is what sd_hash covers.
        let Some(last_tilde) = presentation.rfind('~') else {
            return Err(PidError::Malformed("no `~` separator"));
        };
        let (presented, kb_jwt) = presentation.split_at(last_tilde + 1);
        if kb_jwt.is_empty() {
            return Err(PidError::MissingKeyBinding);
        }
        let mut parts = presented[..last_tilde].split('~');
        let issuer_jwt = parts.next().unwrap_or_default();
        let disclosures: Vec<&str> = parts.collect();
        if disclosures.iter().any(|d| d.is_empty()) {
            return Err(PidError::Malformed("an empty disclosure"));
        }

        // 1. the issuer JWT: algorithm, type, trusted key, signature
        let jws = compact::parse(issuer_jwt).map_err(|e| PidError::from_jws(&e, "issuer JWT"))?;
        let alg = SigningAlg::from_jose(&jws.header.alg)
            .filter(|a| config.allowed_algs.contains(a))
            .ok_or(PidError::AlgNotAllowed)?;
        if !matches!(jws.header.typ.as_deref(), Some("dc+sd-jwt" | "vc+sd-jwt")) {
            return Err(PidError::WrongType);
        }
        let iss = match jws.claims.get("iss") {
            None => None,
            Some(Value::String(iss)) => Some(iss.as_str()),
            Some(_) => return Err(PidError::InvalidClaim("iss")),
        };
        let candidates = config
            .trust_list
            .candidates(iss, jws.header.kid.as_deref(), alg);
        if candidates.is_empty() {
            return Err(PidError::UntrustedIssuer);
        }
        if !candidates.iter().any(|k| jws.signature_verifies(k, alg)) {
            return Err(PidError::BadIssuerSignature);
        }

        // 2. what the signed payload says about itself
        let mut payload = jws.claims;
        let vct = match payload.get("vct") {
            Some(Value::String(vct)) => vct.clone(),
            Some(_) => return Err(PidError::InvalidClaim("vct")),
            None => return Err(PidError::MissingClaim("vct")),
        };
        if !config.accepted_vcts.contains(&vct) {
            return Err(PidError::WrongVct);
        }
        let exp = check_validity(&payload, now, config.leeway.as_secs())?;
        match payload.remove("_sd_alg") {
            None => {} // RFC 9901 §4.1.1: absent means sha-256
            Some(Value::String(a)) if a == "sha-256" => {}
            Some(_) => return Err(PidError::UnsupportedHashAlg),
        }

        // 3. the holder's proof: the key-binding JWT
        let expected = Expected {
            nonce,
            presented,
            now,
        };
        key_binding::check(config, &payload, kb_jwt, &expected)?;

        // 4. the disclosures, each exactly once
        Disclosures::parse(disclosures)?.apply(&mut payload)?;
        person::from_claims(
            payload,
            &config.id_claim,
            vct,
            UNIX_EPOCH + Duration::from_secs(exp),
        )
    }
}
