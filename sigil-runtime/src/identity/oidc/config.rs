//! Configuration of the resource server: which issuers, which audience, which algorithms.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::basics::TrustLevel;

use super::error::TokenError;
use super::form_post::{ClientAuth, ClientSecret};

/// The largest clock skew accepted for `exp`, `nbf` and `iat`.
pub const MAX_LEEWAY: Duration = Duration::from_secs(60);

/// An asymmetric JWS algorithm a token may be signed with.
///
/// There is deliberately no HMAC (`HS*`) and no `none` variant: a resource server verifies with
/// the issuer's public keys, and a public key used as an HMAC secret is the classic forgery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SigningAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// RSASSA-PSS with SHA-384.
    Ps384,
    /// RSASSA-PSS with SHA-512.
    Ps512,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// ECDSA on P-384 with SHA-384.
    Es384,
    /// Ed25519 (`EdDSA`, or the fully specified `Ed25519` of RFC 9864).
    EdDsa,
}

/// The kind of public key an algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyFamily {
    Rsa,
    P256,
    P384,
    Ed25519,
}

impl SigningAlg {
    /// Every supported algorithm; the default allow-list.
    pub const ALL: [SigningAlg; 9] = [
        Self::Rs256,
        Self::Rs384,
        Self::Rs512,
        Self::Ps256,
        Self::Ps384,
        Self::Ps512,
        Self::Es256,
        Self::Es384,
        Self::EdDsa,
    ];

    /// Parses a JOSE `alg` value. `none`, `HS*` and anything unknown give `None`.
    pub fn from_jose(alg: &str) -> Option<Self> {
        Some(match alg {
            "RS256" => Self::Rs256,
            "RS384" => Self::Rs384,
            "RS512" => Self::Rs512,
            "PS256" => Self::Ps256,
            "PS384" => Self::Ps384,
            "PS512" => Self::Ps512,
            "ES256" => Self::Es256,
            "ES384" => Self::Es384,
            "EdDSA" | "Ed25519" => Self::EdDsa,
            _ => return None,
        })
    }

    /// The JOSE name (`RS256`, ..., `EdDSA`).
    pub fn as_jose(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
            Self::Ps256 => "PS256",
            Self::Ps384 => "PS384",
            Self::Ps512 => "PS512",
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::EdDsa => "EdDSA",
        }
    }

    pub(crate) fn key_family(self) -> KeyFamily {
        match self {
            Self::Rs256 | Self::Rs384 | Self::Rs512 | Self::Ps256 | Self::Ps384 | Self::Ps512 => {
                KeyFamily::Rsa
            }
            Self::Es256 => KeyFamily::P256,
            Self::Es384 => KeyFamily::P384,
            Self::EdDsa => KeyFamily::Ed25519,
        }
    }

    pub(crate) fn jwt_algorithm(self) -> jsonwebtoken::Algorithm {
        use jsonwebtoken::Algorithm as A;
        match self {
            Self::Rs256 => A::RS256,
            Self::Rs384 => A::RS384,
            Self::Rs512 => A::RS512,
            Self::Ps256 => A::PS256,
            Self::Ps384 => A::PS384,
            Self::Ps512 => A::PS512,
            Self::Es256 => A::ES256,
            Self::Es384 => A::ES384,
            Self::EdDsa => A::EdDSA,
        }
    }
}

/// One trusted OpenID provider and what its tokens must say to be accepted here.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssuerConfig {
    /// The issuer identifier, compared byte for byte with `iss` and with the discovery document.
    /// `https://`, or `http://` on a loopback host (tests).
    pub issuer: String,
    /// This server's canonical resource URI (RFC 8707); `aud` must contain it.
    pub resource: String,
    /// Require the JWT header `typ` to be `at+jwt` (RFC 9068). Default `true`. This is what stops
    /// an ID token (typ `JWT`) from being used as an access token.
    pub require_at_jwt: bool,
    /// Extra `acr` values and the trust they give, consulted before the built-in eIDAS URIs.
    pub acr_map: BTreeMap<String, TrustLevel>,
    /// The highest trust a client-credentials token (no end user) can have. Default `Low`.
    pub service_trust: TrustLevel,
    /// Algorithms accepted from this issuer. Default: [`SigningAlg::ALL`].
    pub allowed_algs: Vec<SigningAlg>,
    /// RFC 7662 introspection of opaque (non-JWT) access tokens. Default `None`: opaque tokens
    /// are refused. At most one issuer may have it (an opaque token does not say its issuer).
    pub introspection: Option<IntrospectionConfig>,
}

impl IssuerConfig {
    /// An issuer with the defaults: `at+jwt` required, no extra `acr` values, service trust
    /// `Low`, every asymmetric algorithm allowed.
    pub fn new(issuer: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            resource: resource.into(),
            require_at_jwt: true,
            acr_map: BTreeMap::new(),
            service_trust: TrustLevel::Low,
            allowed_algs: SigningAlg::ALL.to_vec(),
            introspection: None,
        }
    }

    /// Sets [`IssuerConfig::introspection`].
    pub fn with_introspection(mut self, introspection: IntrospectionConfig) -> Self {
        self.introspection = Some(introspection);
        self
    }

    /// Sets [`IssuerConfig::service_trust`].
    pub fn with_service_trust(mut self, trust: TrustLevel) -> Self {
        self.service_trust = trust;
        self
    }

    /// Adds an `acr` value to [`IssuerConfig::acr_map`].
    pub fn with_acr(mut self, acr: impl Into<String>, trust: TrustLevel) -> Self {
        self.acr_map.insert(acr.into(), trust);
        self
    }

    /// Sets [`IssuerConfig::allowed_algs`].
    pub fn with_allowed_algs(mut self, algs: impl IntoIterator<Item = SigningAlg>) -> Self {
        self.allowed_algs = algs.into_iter().collect();
        self
    }

    /// Sets [`IssuerConfig::require_at_jwt`].
    pub fn with_require_at_jwt(mut self, require: bool) -> Self {
        self.require_at_jwt = require;
        self
    }
}

/// The resource server's token policy.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OidcConfig {
    /// The trusted issuers; a token's `iss` must equal one of them exactly.
    pub issuers: Vec<IssuerConfig>,
    /// Clock skew allowed on `exp`, `nbf` and `iat`. Default 30 s, at most [`MAX_LEEWAY`].
    pub leeway: Duration,
    /// The shortest time between two JWKS fetches of one issuer caused by unknown `kid`s or an
    /// expired cache. Default 30 s.
    pub jwks_min_refetch: Duration,
    /// Timeout of each discovery or JWKS request. Default 5 s.
    pub http_timeout: Duration,
}

impl OidcConfig {
    /// A policy with the defaults for these issuers.
    pub fn new(issuers: Vec<IssuerConfig>) -> Self {
        Self {
            issuers,
            leeway: Duration::from_secs(30),
            jwks_min_refetch: Duration::from_secs(30),
            http_timeout: Duration::from_secs(5),
        }
    }

    /// Sets [`OidcConfig::leeway`] (checked against [`MAX_LEEWAY`] at discovery).
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Sets [`OidcConfig::jwks_min_refetch`].
    pub fn with_jwks_min_refetch(mut self, interval: Duration) -> Self {
        self.jwks_min_refetch = interval;
        self
    }

    /// Sets [`OidcConfig::http_timeout`].
    pub fn with_http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }

    /// Checks the policy before any network traffic.
    pub(crate) fn validate(&self) -> Result<(), TokenError> {
        if self.issuers.is_empty() {
            return Err(TokenError::Config("no issuer configured"));
        }
        if self.leeway > MAX_LEEWAY {
            return Err(TokenError::Config("leeway above 60 s"));
        }
        for (i, issuer) in self.issuers.iter().enumerate() {
            if !is_acceptable_url(&issuer.issuer) {
                return Err(TokenError::Config(
                    "issuer must be https:// (or http:// on a loopback host)",
                ));
            }
            if issuer.resource.trim().is_empty() {
                return Err(TokenError::Config("empty resource URI"));
            }
            if issuer.allowed_algs.is_empty() {
                return Err(TokenError::Config("empty algorithm allow-list"));
            }
            if self.issuers[..i].iter().any(|o| o.issuer == issuer.issuer) {
                return Err(TokenError::Config("issuer configured twice"));
            }
            if let Some(introspection) = &issuer.introspection {
                if self.issuers[..i].iter().any(|o| o.introspection.is_some()) {
                    return Err(TokenError::Config(
                        "introspection configured for more than one issuer",
                    ));
                }
                if introspection
                    .endpoint
                    .as_deref()
                    .is_some_and(|e| !is_acceptable_url(e))
                {
                    return Err(TokenError::Config(
                        "introspection endpoint must be https:// (or http:// on a loopback host)",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// `https://`, or `http://` to a loopback host (127.0.0.0/8, `localhost`, `[::1]`).
pub(crate) fn is_acceptable_url(url: &str) -> bool {
    if url.starts_with("https://") && url.len() > "https://".len() {
        return true;
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// How the resource server introspects opaque tokens of one issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IntrospectionConfig {
    /// This resource server's client id at the issuer.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: ClientSecret,
    /// How to send them. Default [`ClientAuth::Basic`].
    pub client_auth: ClientAuth,
    /// The introspection endpoint; `None` (the default) takes `introspection_endpoint` from the
    /// issuer's discovery document.
    pub endpoint: Option<String>,
    /// The longest an accepted answer is reused (never beyond the token's `exp`). Default 60 s:
    /// the longest a revoked token can still be accepted.
    pub max_cache_ttl: Duration,
    /// The most introspection requests per second sent to the issuer (the burst is twice this).
    /// Default 20. Tokens beyond it are refused unless cached.
    pub max_requests_per_second: u32,
}

impl IntrospectionConfig {
    /// Introspection as `client_id` with `client_secret`, endpoint from discovery, HTTP Basic,
    /// answers cached for at most 60 s.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: ClientSecret::new(client_secret),
            client_auth: ClientAuth::Basic,
            endpoint: None,
            max_cache_ttl: Duration::from_secs(60),
            max_requests_per_second: 20,
        }
    }

    /// Sets [`IntrospectionConfig::endpoint`].
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Sets [`IntrospectionConfig::client_auth`].
    pub fn with_client_auth(mut self, auth: ClientAuth) -> Self {
        self.client_auth = auth;
        self
    }

    /// Sets [`IntrospectionConfig::max_requests_per_second`] (at least 1).
    pub fn with_max_requests_per_second(mut self, rate: u32) -> Self {
        self.max_requests_per_second = rate.max(1);
        self
    }

    /// Sets [`IntrospectionConfig::max_cache_ttl`] (zero: no caching).
    pub fn with_max_cache_ttl(mut self, ttl: Duration) -> Self {
        self.max_cache_ttl = ttl;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_and_none_are_not_algorithms_here() {
        for alg in ["none", "None", "HS256", "HS384", "HS512", "", "rs256"] {
            assert_eq!(SigningAlg::from_jose(alg), None, "{alg}");
        }
        for alg in SigningAlg::ALL {
            assert_eq!(SigningAlg::from_jose(alg.as_jose()), Some(alg));
        }
    }

    #[test]
    fn issuer_urls_must_be_https_or_loopback_http() {
        assert!(is_acceptable_url("https://login.example.eu"));
        assert!(is_acceptable_url("http://127.0.0.1:8080"));
        assert!(is_acceptable_url("http://localhost:1/realms/x"));
        assert!(is_acceptable_url("http://[::1]:9/"));
        assert!(!is_acceptable_url("http://login.example.eu"));
        assert!(!is_acceptable_url("http://127.0.0.1.evil.eu/"));
        assert!(!is_acceptable_url("ftp://127.0.0.1"));
        assert!(!is_acceptable_url("https://"));
    }

    #[test]
    fn leeway_above_a_minute_is_refused() {
        let config = OidcConfig::new(vec![IssuerConfig::new("https://i", "https://r")])
            .with_leeway(Duration::from_secs(61));
        assert_eq!(
            config.validate(),
            Err(TokenError::Config("leeway above 60 s"))
        );
        let config = config.with_leeway(MAX_LEEWAY);
        assert_eq!(config.validate(), Ok(()));
    }

    #[test]
    fn duplicate_issuers_and_empty_lists_are_refused() {
        let one = IssuerConfig::new("https://i", "https://r");
        assert!(OidcConfig::new(vec![]).validate().is_err());
        assert!(
            OidcConfig::new(vec![one.clone(), one.clone()])
                .validate()
                .is_err()
        );
        let no_algs = one.with_allowed_algs([]);
        assert!(OidcConfig::new(vec![no_algs]).validate().is_err());
    }
}
