//! The one error type of the PID verifier.

use std::fmt;

use crate::identity::oidc::TokenError;

use crate::identity::jwt_times::TimeClaimError;

/// Why a PID presentation was refused, or why the verifier could not be set up.
///
/// `Display` and `Debug` never contain the presentation, a disclosure, a claim value or key
/// material: the texts are fixed (claim *names* at most), fit for a JSON error body and the audit
/// trail.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PidError {
    /// Longer than the accepted maximum.
    TooLarge,
    /// Not an SD-JWT presentation (`<jwt>~<disclosure>~...~<kb-jwt>`), broken base64url or JSON,
    /// or a JWS that is not compact. The text says which part.
    Malformed(&'static str),
    /// The presentation ends in `~`: it carries no key-binding JWT.
    MissingKeyBinding,
    /// `alg` (of the issuer JWT or the key-binding JWT) is `none`, HMAC, unknown or not on the
    /// allow-list.
    AlgNotAllowed,
    /// The issuer JWT's header `typ` is not `dc+sd-jwt` (or the older `vc+sd-jwt`).
    WrongType,
    /// No key in the issuer trust list fits the issuer JWT (`kid`, `alg`, issuer).
    UntrustedIssuer,
    /// The issuer JWT's signature does not verify under the trusted key(s) that fit it.
    BadIssuerSignature,
    /// `vct` is not one of the accepted credential types.
    WrongVct,
    /// `_sd_alg` is not `sha-256`.
    UnsupportedHashAlg,
    /// `exp` is in the past (beyond the leeway).
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid,
    /// `iat` is in the future (beyond the leeway).
    IssuedInFuture,
    /// A required claim is absent (after the disclosures were applied).
    MissingClaim(&'static str),
    /// A claim has the wrong JSON type or an impossible value.
    InvalidClaim(&'static str),
    /// The same disclosure was sent twice.
    DuplicateDisclosure,
    /// A disclosure's digest appears nowhere in the signed payload (or it was tampered with).
    UnreferencedDisclosure,
    /// A digest appears more than once in the signed payload.
    DuplicateDigest,
    /// A disclosure names the claim `_sd` or `...`, or a claim the payload already has, or an
    /// array-element disclosure is referenced from an object (or the other way round).
    BadDisclosure(&'static str),
    /// `cnf.jwk` is missing or is not a usable public key.
    NoHolderKey,
    /// The key-binding JWT's header `typ` is not `kb+jwt`.
    KeyBindingWrongType,
    /// The key-binding JWT is not signed by the holder key of `cnf.jwk`.
    KeyBindingBadSignature,
    /// The key-binding JWT's `nonce` is not the one we issued (or it was already used, or it
    /// expired).
    WrongNonce,
    /// The key-binding JWT's `aud` is not this verifier.
    WrongAudience,
    /// The key-binding JWT's `iat` is outside the freshness window.
    StaleKeyBinding,
    /// The key-binding JWT's `sd_hash` does not match the presentation it came with.
    BadSdHash,
    /// The configuration is unusable.
    Config(&'static str),
}

impl PidError {
    /// A short machine-readable name, for `error` in JSON bodies and for the audit trail.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge => "too_large",
            Self::Malformed(_) => "malformed",
            Self::MissingKeyBinding => "missing_key_binding",
            Self::AlgNotAllowed => "alg_not_allowed",
            Self::WrongType => "wrong_type",
            Self::UntrustedIssuer => "untrusted_issuer",
            Self::BadIssuerSignature => "bad_issuer_signature",
            Self::WrongVct => "wrong_vct",
            Self::UnsupportedHashAlg => "unsupported_sd_alg",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::IssuedInFuture => "issued_in_future",
            Self::MissingClaim(_) => "missing_claim",
            Self::InvalidClaim(_) => "invalid_claim",
            Self::DuplicateDisclosure => "duplicate_disclosure",
            Self::UnreferencedDisclosure => "unreferenced_disclosure",
            Self::DuplicateDigest => "duplicate_digest",
            Self::BadDisclosure(_) => "bad_disclosure",
            Self::NoHolderKey => "no_holder_key",
            Self::KeyBindingWrongType => "kb_wrong_type",
            Self::KeyBindingBadSignature => "kb_bad_signature",
            Self::WrongNonce => "wrong_nonce",
            Self::WrongAudience => "wrong_audience",
            Self::StaleKeyBinding => "stale_key_binding",
            Self::BadSdHash => "bad_sd_hash",
            Self::Config(_) => "config",
        }
    }

    /// Maps an error of the shared compact-JWS parser. `which` names the JWS.
    pub(crate) fn from_jws(e: &TokenError, which: &'static str) -> Self {
        match e {
            TokenError::TooLarge => Self::TooLarge,
            _ => Self::Malformed(which),
        }
    }
}

impl From<TimeClaimError> for PidError {
    fn from(e: TimeClaimError) -> Self {
        match e {
            TimeClaimError::Missing(name) => Self::MissingClaim(name),
            TimeClaimError::Invalid(name) => Self::InvalidClaim(name),
            TimeClaimError::Expired => Self::Expired,
            TimeClaimError::NotYetValid => Self::NotYetValid,
            TimeClaimError::IssuedInFuture => Self::IssuedInFuture,
        }
    }
}

impl fmt::Display for PidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge => f.write_str("presentation too large"),
            Self::Malformed(what) => write!(f, "malformed presentation: {what}"),
            Self::MissingKeyBinding => f.write_str("presentation has no key-binding JWT"),
            Self::AlgNotAllowed => f.write_str("signing algorithm is not allowed"),
            Self::WrongType => f.write_str("credential is not an SD-JWT VC (typ dc+sd-jwt)"),
            Self::UntrustedIssuer => f.write_str("credential issuer key is not trusted"),
            Self::BadIssuerSignature => f.write_str("credential signature is invalid"),
            Self::WrongVct => f.write_str("credential type (vct) is not accepted"),
            Self::UnsupportedHashAlg => f.write_str("_sd_alg is not sha-256"),
            Self::Expired => f.write_str("credential has expired"),
            Self::NotYetValid => f.write_str("credential is not valid yet"),
            Self::IssuedInFuture => f.write_str("credential is issued in the future"),
            Self::MissingClaim(name) => write!(f, "credential lacks the {name} claim"),
            Self::InvalidClaim(name) => write!(f, "credential has an invalid {name} claim"),
            Self::DuplicateDisclosure => f.write_str("a disclosure is sent twice"),
            Self::UnreferencedDisclosure => {
                f.write_str("a disclosure is not referenced by the credential")
            }
            Self::DuplicateDigest => f.write_str("a digest appears twice in the credential"),
            Self::BadDisclosure(what) => write!(f, "invalid disclosure: {what}"),
            Self::NoHolderKey => f.write_str("credential has no usable holder key (cnf.jwk)"),
            Self::KeyBindingWrongType => f.write_str("key-binding JWT is not typ kb+jwt"),
            Self::KeyBindingBadSignature => {
                f.write_str("key-binding JWT is not signed by the holder key")
            }
            Self::WrongNonce => f.write_str("key-binding JWT nonce is wrong, used or expired"),
            Self::WrongAudience => f.write_str("key-binding JWT is not meant for this verifier"),
            Self::StaleKeyBinding => f.write_str("key-binding JWT is not fresh"),
            Self::BadSdHash => f.write_str("key-binding JWT sd_hash does not match"),
            Self::Config(what) => write!(f, "invalid PID verifier configuration: {what}"),
        }
    }
}

impl std::error::Error for PidError {}
