//! The verifier: from a bearer string to a verified caller.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::identity::{Principal, TrustLevel};

use super::claims::{self, CheckedClaims};
use super::compact;
use super::config::{IssuerConfig, OidcConfig, SigningAlg};
use super::discovery::{discover_jwks_uri, http_client};
use super::error::TokenError;
use super::introspection::Introspector;
use super::key_cache::KeyCache;
use super::provider_metadata::discover_endpoints;
use super::trust;

/// Whether a token speaks for a person or for a client acting on its own behalf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SubjectKind {
    /// An end user authenticated at the provider.
    User,
    /// No end user: a client-credentials token. Detected by `gty` = `client-credentials` or
    /// `client_credentials`, by `sub` equal to `client_id`, or by a missing `sub` with a
    /// `client_id` present (the subject is then the client id).
    Service,
}

/// A token that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedToken {
    /// `oidc:<iss>#<sub>`.
    pub principal: Principal,
    /// From `acr`/`amr`, or the issuer's service trust (see the module docs of `trust`).
    pub trust: TrustLevel,
    /// Person or service.
    pub subject_kind: SubjectKind,
    /// Granted scopes (`scope`, or `scp`), in token order, without duplicates.
    pub scopes: Vec<String>,
    /// The OAuth client the token was issued to, when the token says (`client_id`).
    pub client_id: Option<String>,
    /// The `acr` claim as sent, for audit.
    pub acr: Option<String>,
    /// `exp`: callers must not cache anything about this token beyond it.
    pub expires_at: SystemTime,
}

impl VerifiedToken {
    /// `true` when every scope in `needed` was granted.
    pub fn has_scopes<S: AsRef<str>>(&self, needed: &[S]) -> bool {
        needed
            .iter()
            .all(|n| self.scopes.iter().any(|s| s == n.as_ref()))
    }
}

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
            let jwks_uri = discover_jwks_uri(&http, &issuer.issuer)
                .await
                .map_err(failed)?;
            let keys = KeyCache::load(http.clone(), jwks_uri, config.jwks_min_refetch)
                .await
                .map_err(failed)?;
            let introspector = match &issuer.introspection {
                None => None,
                Some(introspection) => {
                    let endpoint = match &introspection.endpoint {
                        Some(endpoint) => endpoint.clone(),
                        None => discover_endpoints(&http, &issuer.issuer)
                            .await
                            .map_err(failed)?
                            .introspection_endpoint
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
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.verify_at(bearer, now).await
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

pub(super) fn build(config: &IssuerConfig, c: CheckedClaims) -> Result<VerifiedToken, TokenError> {
    let by_grant = c
        .grant_type
        .as_deref()
        .is_some_and(|g| g == "client-credentials" || g == "client_credentials");
    let (subject, subject_kind) = match (c.subject, c.client_id.as_deref()) {
        (Some(sub), Some(client)) if by_grant || sub == client => (sub, SubjectKind::Service),
        (Some(sub), _) if by_grant => (sub, SubjectKind::Service),
        (Some(sub), _) => (sub, SubjectKind::User),
        (None, Some(client)) => (client.to_owned(), SubjectKind::Service),
        (None, None) => return Err(TokenError::MissingClaim("sub")),
    };
    let service_trust = (subject_kind == SubjectKind::Service).then_some(config.service_trust);
    let trust = trust::decide(
        c.acr.as_deref(),
        c.amr.as_deref(),
        &config.acr_map,
        service_trust,
    );
    Ok(VerifiedToken {
        principal: Principal::Oidc {
            issuer: config.issuer.clone(),
            subject,
        },
        trust,
        subject_kind,
        scopes: c.scopes,
        client_id: c.client_id,
        acr: c.acr,
        expires_at: UNIX_EPOCH + Duration::from_secs(c.expires_at),
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

    fn checked(sub: Option<&str>, client: Option<&str>, gty: Option<&str>) -> CheckedClaims {
        CheckedClaims {
            subject: sub.map(str::to_owned),
            client_id: client.map(str::to_owned),
            expires_at: 1,
            scopes: vec![],
            acr: None,
            amr: None,
            grant_type: gty.map(str::to_owned),
        }
    }

    #[test]
    fn client_credentials_tokens_are_services_with_the_configured_trust() {
        let config =
            IssuerConfig::new("https://i", "https://r").with_service_trust(TrustLevel::Medium);
        let t = build(&config, checked(Some("app"), Some("app"), None)).unwrap();
        assert_eq!(t.subject_kind, SubjectKind::Service);
        assert_eq!(t.trust, TrustLevel::Medium);
        assert_eq!(t.principal.to_string(), "oidc:https://i#app");
        let t = build(
            &config,
            checked(Some("x"), Some("app"), Some("client-credentials")),
        )
        .unwrap();
        assert_eq!(t.subject_kind, SubjectKind::Service);
        let t = build(&config, checked(None, Some("app"), None)).unwrap();
        assert_eq!(t.principal.to_string(), "oidc:https://i#app");
        let t = build(&config, checked(Some("alice"), Some("app"), None)).unwrap();
        assert_eq!(t.subject_kind, SubjectKind::User);
        assert_eq!(t.trust, TrustLevel::Low);
        assert_eq!(
            build(&config, checked(None, None, None)),
            Err(TokenError::MissingClaim("sub"))
        );
    }
}
