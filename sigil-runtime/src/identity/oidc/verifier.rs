//! The verifier: from a bearer string to a verified caller.

use std::time::Duration;

use crate::basics::now_secs;

use super::claims;
use super::compact;
use super::config::{IssuerConfig, OidcConfig, SigningAlg};
use super::discovery::http_client;
use super::error::TokenError;
use super::introspection::Introspector;
use super::key_cache::KeyCache;
use super::provider_metadata::discover_endpoints;
use super::verified_token::{VerifiedToken, build};

struct Issuer {
    config: IssuerConfig,
    keys: KeyCache,
    introspector: Option<Introspector>,
}

/// Verifies JWT access tokens from the configured issuers. Cheap to share behind an `Arc`.
pub struct OidcVerifier {
    issuers: Vec<Issuer>,
    leeway: Duration,
}

impl std::fmt::Debug for OidcVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let issuers: Vec<&str> = self
            .issuers
            .iter()
            .map(|i| i.config.issuer.as_str())
            .collect();
        f.debug_struct("OidcVerifier")
            .field("issuers", &issuers)
            .field("leeway", &self.leeway)
            .finish()
    }
}

impl OidcVerifier {
    /// Validates the configuration, runs OIDC discovery for every issuer and fetches its JWKS.
    /// Fails with [`TokenError::Discovery`] if any issuer cannot be reached or has no usable key.
    pub async fn discover(config: OidcConfig) -> Result<Self, TokenError> {
        config.validate()?;
        let http = http_client(config.http_timeout).map_err(TokenError::Config)?;
        let mut issuers = Vec::with_capacity(config.issuers.len());
        for issuer in config.issuers {
            let failed = |reason| TokenError::Discovery {
                issuer: issuer.issuer.clone(),
                reason,
            };
            let endpoints = discover_endpoints(&http, &issuer.issuer)
                .await
                .map_err(failed)?;
            let keys = KeyCache::load(http.clone(), endpoints.jwks_uri, config.jwks_min_refetch)
                .await
                .map_err(failed)?;
            let introspector = match &issuer.introspection {
                None => None,
                Some(introspection) => {
                    let endpoint = match &introspection.endpoint {
                        Some(endpoint) => endpoint.clone(),
                        None => endpoints
                            .introspection_endpoint
                            .clone()
                            .ok_or_else(|| failed("the provider has no introspection_endpoint"))?,
                    };
                    Some(Introspector::new(
                        http.clone(),
                        endpoint,
                        introspection.clone(),
                    ))
                }
            };
            issuers.push(Issuer {
                config: issuer,
                keys,
                introspector,
            });
        }
        Ok(Self {
            issuers,
            leeway: config.leeway,
        })
    }

    /// The configured issuer identifiers, in configuration order.
    pub fn issuers(&self) -> impl Iterator<Item = &str> {
        self.issuers.iter().map(|i| i.config.issuer.as_str())
    }

    /// How many JWKS fetches were started for `issuer` (the one at discovery included); `None`
    /// for an issuer that is not configured. For tests and metrics.
    pub fn jwks_fetches(&self, issuer: &str) -> Option<u64> {
        self.issuers
            .iter()
            .find(|i| i.config.issuer == issuer)
            .map(|i| i.keys.fetches())
    }

    /// How many introspection requests were sent for `issuer`; `None` for an issuer that is not
    /// configured or has no introspection. For tests and metrics.
    pub fn introspections(&self, issuer: &str) -> Option<u64> {
        self.issuers
            .iter()
            .find(|i| i.config.issuer == issuer)
            .and_then(|i| i.introspector.as_ref())
            .map(Introspector::calls)
    }

    /// Verifies a bearer token (the credential alone, see [`super::bearer_token`]). A token that
    /// is not a compact JWS (no two dots) goes to RFC 7662 introspection when an issuer has it.
    pub async fn verify(&self, bearer: &str) -> Result<VerifiedToken, TokenError> {
        self.verify_at(bearer, now_secs()).await
    }

    async fn verify_at(&self, bearer: &str, now: u64) -> Result<VerifiedToken, TokenError> {
        if bearer.split('.').count() != 3
            && let Some((issuer, introspector)) = self
                .issuers
                .iter()
                .find_map(|i| Some((i, i.introspector.as_ref()?)))
        {
            return introspector
                .verify(&issuer.config, bearer, now, self.leeway.as_secs())
                .await;
        }
        let jws = compact::parse(bearer)?;
        let alg = SigningAlg::from_jose(&jws.header.alg).ok_or(TokenError::AlgNotAllowed)?;
        let iss = match jws.claims.get("iss") {
            None => return Err(TokenError::MissingClaim("iss")),
            Some(serde_json::Value::String(iss)) => iss.as_str(),
            Some(_) => return Err(TokenError::InvalidClaim("iss")),
        };
        let issuer = self
            .issuers
            .iter()
            .find(|i| i.config.issuer == iss)
            .ok_or(TokenError::UnknownIssuer)?;
        let config = &issuer.config;
        if !config.allowed_algs.contains(&alg) {
            return Err(TokenError::AlgNotAllowed);
        }
        let key = issuer.keys.key_for(jws.header.kid.as_deref(), alg).await?;
        if !jws.signature_verifies(&key, alg) {
            return Err(TokenError::BadSignature);
        }
        if config.require_at_jwt && !is_at_jwt(jws.header.typ.as_deref()) {
            return Err(TokenError::WrongType);
        }
        let checked = claims::check(&jws.claims, &config.resource, now, self.leeway.as_secs())?;
        build(config, checked)
    }
}

/// `at+jwt` or `application/at+jwt`, case-insensitively (RFC 9068 §2.1, RFC 8725 §3.11).
fn is_at_jwt(typ: Option<&str>) -> bool {
    typ.is_some_and(|t| {
        let t = t.strip_prefix("application/").unwrap_or(t);
        t.eq_ignore_ascii_case("at+jwt")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_jwt_type_is_matched_case_insensitively() {
        for typ in [
            "at+jwt",
            "AT+JWT",
            "application/at+jwt",
            "application/AT+jwt",
        ] {
            assert!(is_at_jwt(Some(typ)), "{typ}");
        }
        for typ in ["JWT", "jwt", "at+jwt ", "application/jwt", "x/at+jwt", ""] {
            assert!(!is_at_jwt(Some(typ)), "{typ}");
        }
        assert!(!is_at_jwt(None));
    }
}
