//! What a PID presentation must say to be accepted here.

use std::time::Duration;

use crate::identity::oidc::{MAX_LEEWAY, SigningAlg};

use super::error::PidError;
use super::trust_list::IssuerTrustList;

/// The `vct` of the EUDI Wallet PID in SD-JWT VC form (PID Rulebook).
pub const EUDI_PID_VCT: &str = "urn:eudi:pid:1";

/// The default claim holding the person identifier (PID Rulebook, optional in the PID).
pub const DEFAULT_ID_CLAIM: &str = "personal_administrative_number";

/// Largest accepted presentation, in bytes.
pub const DEFAULT_MAX_PRESENTATION: usize = 64 * 1024;

/// Configuration of a [`super::PidVerifier`].
#[derive(Debug)]
#[non_exhaustive]
pub struct PidConfig {
    /// The issuer keys trusted to sign PIDs.
    pub trust_list: IssuerTrustList,
    /// This verifier's identifier: the key-binding JWT's `aud` must equal it (OpenID4VP uses the
    /// verifier's `client_id`).
    pub audience: String,
    /// Accepted `vct` values. Default: [`EUDI_PID_VCT`].
    pub accepted_vcts: Vec<String>,
    /// Algorithms the issuer and the holder may sign with. Default: ES256, ES384, EdDSA.
    /// HMAC and `none` cannot be expressed.
    pub allowed_algs: Vec<SigningAlg>,
    /// Clock skew accepted for `iat`, `nbf`, `exp`. At most [`MAX_LEEWAY`]; default 60 s.
    pub leeway: Duration,
    /// How old the key-binding JWT's `iat` may be. Default 5 minutes.
    pub key_binding_max_age: Duration,
    /// The claim holding the person identifier used in the principal. Default
    /// [`DEFAULT_ID_CLAIM`].
    pub id_claim: String,
    /// Largest accepted presentation. Default [`DEFAULT_MAX_PRESENTATION`].
    pub max_presentation_bytes: usize,
}

impl PidConfig {
    /// A configuration trusting `trust_list`, with key-binding audience `audience`, and the
    /// defaults above.
    pub fn new(trust_list: IssuerTrustList, audience: impl Into<String>) -> Self {
        Self {
            trust_list,
            audience: audience.into(),
            accepted_vcts: vec![EUDI_PID_VCT.to_owned()],
            allowed_algs: vec![SigningAlg::Es256, SigningAlg::Es384, SigningAlg::EdDsa],
            leeway: MAX_LEEWAY,
            key_binding_max_age: Duration::from_secs(300),
            id_claim: DEFAULT_ID_CLAIM.to_owned(),
            max_presentation_bytes: DEFAULT_MAX_PRESENTATION,
        }
    }

    /// Accept these `vct` values instead of the default.
    #[must_use]
    pub fn with_vcts<I, S>(mut self, vcts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.accepted_vcts = vcts.into_iter().map(Into::into).collect();
        self
    }

    /// Take the person identifier from this claim.
    #[must_use]
    pub fn with_id_claim(mut self, claim: impl Into<String>) -> Self {
        self.id_claim = claim.into();
        self
    }

    /// Key-binding JWTs may be this old at most.
    #[must_use]
    pub fn with_key_binding_max_age(mut self, age: Duration) -> Self {
        self.key_binding_max_age = age;
        self
    }

    pub(crate) fn validate(&self) -> Result<(), PidError> {
        if self.trust_list.is_empty() {
            return Err(PidError::Config("the issuer trust list is empty"));
        }
        if self.audience.is_empty() {
            return Err(PidError::Config("audience is empty"));
        }
        if self.accepted_vcts.is_empty() {
            return Err(PidError::Config("no accepted vct"));
        }
        if self.allowed_algs.is_empty() {
            return Err(PidError::Config("no allowed algorithm"));
        }
        if self.leeway > MAX_LEEWAY {
            return Err(PidError::Config("leeway above 60 s"));
        }
        if self.key_binding_max_age.is_zero() {
            return Err(PidError::Config("key-binding max age is zero"));
        }
        if self.id_claim.is_empty() {
            return Err(PidError::Config("id claim is empty"));
        }
        Ok(())
    }
}
