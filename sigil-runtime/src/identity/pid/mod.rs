//! EU Digital Identity Wallet PID, presented as an SD-JWT VC with key binding (RFC 9901,
//! draft-ietf-oauth-sd-jwt-vc), verified against a configured issuer trust list.
//!
//! ```
//! use sigil_runtime::identity::pid::{IssuerTrustList, PidConfig, PidError, PidVerifier};
//!
//! # fn run(issuer_jwk: &serde_json::Value, presentation: &str, nonce: &str) -> Result<(), PidError> {
//! let mut trust = IssuerTrustList::new();
//! trust.add_jwk(issuer_jwk, Some("https://pid-issuer.example.eu"))?;
//! let verifier = PidVerifier::new(PidConfig::new(trust, "https://mcp.example.eu"))?;
//! let pid = verifier.verify(presentation, nonce)?;
//! println!("{} at trust {}", pid.principal, pid.trust); // eidas:pid:DE:... at trust high
//! # Ok(()) }
//! ```
//!
//! What is checked, in order (each failure is one [`PidError`] variant, with a fixed text):
//!
//! 1. size (64 KiB by default) and shape `<issuer-jwt>~<disclosure>~...~<kb-jwt>`; a
//!    presentation ending in `~` has no key-binding JWT and is refused;
//! 2. the issuer JWT: `alg` on the allow-list (ES256, ES384, EdDSA by default; `none` and HMAC
//!    cannot be configured) and bound to the key's type; header `typ` `dc+sd-jwt` (the older
//!    `vc+sd-jwt` is accepted too, as wallets issued before draft 09 of SD-JWT VC still send
//!    it); a key of the trust list that fits `kid`, `alg` and (if the entry names one) `iss`;
//!    the signature;
//! 3. `vct` among the accepted types (`urn:eudi:pid:1` by default); `exp` (required), `nbf`,
//!    `iat` with at most 60 s skew; `_sd_alg` absent or `sha-256`;
//! 4. the key-binding JWT: `typ` `kb+jwt`, an allowed `alg`, signed by the holder key in
//!    `cnf.jwk`, `nonce` equal to ours, `aud` equal to our audience, `iat` within the freshness
//!    window (5 minutes by default, plus the skew), `sd_hash` equal to base64url(SHA-256) of the
//!    presentation up to and including the last `~`;
//! 5. the disclosures: each decoded and hashed, each digest found exactly once in the signed
//!    payload (recursively: `_sd` in nested objects, `{"...": digest}` in arrays); a disclosure
//!    sent twice, never referenced, naming `_sd` or `...`, or overriding a claim is refused, as
//!    is a digest that appears twice;
//! 6. the PID claims: `issuing_country` (ISO 3166-1 alpha-2) and the person identifier
//!    (`personal_administrative_number` by default, configurable) give the principal
//!    `eidas:pid:<CC>:<id>` at trust High.
//!
//! Nonces are single use: [`PresentationRequests`] issues them, binds each to a `state`, and
//! hands each out once. Presentations, disclosures and claim values never appear in errors,
//! `Debug` output or logs; the audit records the principal only.

mod config;
mod disclosure;
mod error;
mod key_binding;
mod person;
mod requests;
mod session_identity;
mod step_up;
mod trust_list;
mod verifier;

pub use config::{DEFAULT_ID_CLAIM, DEFAULT_MAX_PRESENTATION, EUDI_PID_VCT, PidConfig};
pub use error::PidError;
pub use person::VerifiedPid;
pub use requests::{PendingPresentation, PresentationRequests, RequestBinding};
pub(crate) use session_identity::{StepUpIdentity, session_id};
pub use step_up::{
    PID_QUERY_ID, PidStepUp, PresentationRefused, REQUEST_PATH, RESPONSE_PATH, START_PATH,
    StartedPresentation,
};
pub use trust_list::IssuerTrustList;
pub use verifier::PidVerifier;
