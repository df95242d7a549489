//! The verified PID: the person's claims, and the principal they give.

use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::identity::{AuthMethod, Caller, Principal, TrustLevel};

use super::error::PidError;

/// Longest accepted person identifier.
const MAX_ID_LEN: usize = 256;

/// How errors name the configured identifier claim.
const ID_CLAIM: &str = "person identifier";

/// A PID presentation that passed every check.
///
/// `Debug` shows the principal, `vct` and issuer only: the person's claims are personal data.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct VerifiedPid {
    /// `eidas:pid:<issuing_country>:<identifier>`.
    pub principal: Principal,
    /// Always [`TrustLevel::High`]: a PID is issued at eIDAS LoA high.
    pub trust: TrustLevel,
    /// The credential type.
    pub vct: String,
    /// `iss` of the credential, when it has one.
    pub issuer: Option<String>,
    /// `family_name`, when disclosed.
    pub family_name: Option<String>,
    /// `given_name`, when disclosed.
    pub given_name: Option<String>,
    /// `birthdate` (ISO 8601 `YYYY-MM-DD`), when disclosed.
    pub birthdate: Option<String>,
    /// `nationalities` (ISO 3166-1 alpha-2), when disclosed.
    pub nationalities: Vec<String>,
    /// `issuing_country`.
    pub issuing_country: String,
    /// `exp` of the credential.
    pub expires_at: SystemTime,
    /// Every claim of the credential after the disclosures were applied (without `_sd`,
    /// `_sd_alg` and `cnf`).
    pub claims: Map<String, Value>,
}

impl std::fmt::Debug for VerifiedPid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedPid")
            .field("principal", &self.principal.to_string())
            .field("vct", &self.vct)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl VerifiedPid {
    /// The caller this presentation establishes: the PID principal at trust High.
    pub fn caller(&self) -> Caller {
        Caller::new(
            self.principal.clone(),
            self.trust,
            Vec::new(),
            AuthMethod::EidasPid,
        )
    }
}

/// Reads the PID claims from a verified, disclosed payload.
pub(crate) fn from_claims(
    mut claims: Map<String, Value>,
    id_claim_name: &str,
    vct: String,
    expires_at: SystemTime,
) -> Result<VerifiedPid, PidError> {
    claims.remove("cnf");
    claims.remove("_sd_alg");
    let text = |name: &'static str| -> Result<Option<String>, PidError> {
        match claims.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(PidError::InvalidClaim(name)),
        }
    };
    let issuing_country =
        text("issuing_country")?.ok_or(PidError::MissingClaim("issuing_country"))?;
    if issuing_country.len() != 2 || !issuing_country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(PidError::InvalidClaim("issuing_country"));
    }
    let id = match claims.get(id_claim_name) {
        None => return Err(PidError::MissingClaim(ID_CLAIM)),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(PidError::InvalidClaim(ID_CLAIM)),
    };
    if id.is_empty() || id.len() > MAX_ID_LEN || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(PidError::InvalidClaim(ID_CLAIM));
    }
    let nationalities = match claims.get("nationalities") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or(PidError::InvalidClaim("nationalities"))?,
        Some(_) => return Err(PidError::InvalidClaim("nationalities")),
    };
    Ok(VerifiedPid {
        principal: Principal::EidasPid {
            country: issuing_country.clone(),
            id,
        },
        trust: TrustLevel::High,
        vct,
        issuer: text("iss")?,
        family_name: text("family_name")?,
        given_name: text("given_name")?,
        birthdate: text("birthdate")?,
        nationalities,
        issuing_country,
        expires_at,
        claims,
    })
}
