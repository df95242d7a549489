//! `[oidc]` in `sigil.toml`: the resource server's issuers, the same settings as the builder's
//! [`OidcConfig`] / [`IssuerConfig`].
//!
//! ```toml
//! [oidc]
//! resource = "https://mcp.example.eu/mcp"   # the audience; default: the server's http://ADDR/mcp
//! leeway_secs = 30                          # clock skew on exp/nbf/iat, at most 60
//!
//! [[oidc.issuers]]
//! issuer = "https://login.example.eu"
//! service_trust = "low"                     # client-credentials tokens: at most this trust
//! algorithms = ["ES256", "RS256"]           # default: every asymmetric algorithm
//! [oidc.issuers.acr]                        # acr values beyond the built-in eIDAS LoA URIs
//! "urn:example:mfa" = "medium"
//! ```
//!
//! `typ: at+jwt` is required; `dangerous_accept_plain_jwt = true` on an issuer lifts that (it is
//! what keeps ID tokens from being used as access tokens).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use crate::basics::TrustLevel;
use crate::config::ConfigError;
use crate::identity::oidc::{IssuerConfig, MAX_LEEWAY, OidcConfig, SigningAlg};

/// `[oidc]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcSection {
    /// The canonical resource URI tokens must name in `aud`; default: the server's own `/mcp` URL.
    pub resource: Option<String>,
    /// Clock skew allowed on `exp`, `nbf` and `iat`, in seconds (at most 60). Default 30.
    pub leeway_secs: Option<u64>,
    /// The trusted issuers (at least one).
    #[serde(default)]
    pub issuers: Vec<IssuerSection>,
}

/// `[[oidc.issuers]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerSection {
    /// The issuer identifier, exactly as in its discovery document.
    pub issuer: String,
    /// The highest trust of a client-credentials token. Default `low`.
    pub service_trust: Option<String>,
    /// Accepted JWS algorithms (`RS256`, `PS256`, `ES256`, `EdDSA`, ...).
    pub algorithms: Option<Vec<String>>,
    /// `acr` value → trust (`low`, `medium`, `high`), consulted before the eIDAS LoA URIs.
    #[serde(default)]
    pub acr: BTreeMap<String, String>,
    /// Accept access tokens whose `typ` is not `at+jwt`. Dangerous.
    #[serde(default)]
    pub dangerous_accept_plain_jwt: bool,
}

impl OidcSection {
    /// The resource URI: the configured one, else `default`.
    pub fn resource_or(&self, default: &str) -> String {
        self.resource.clone().unwrap_or_else(|| default.to_owned())
    }

    /// The verifier policy for `resource`, every error naming its key.
    pub fn to_config(&self, resource: &str) -> Result<OidcConfig, ConfigError> {
        if self.issuers.is_empty() {
            return Err(error(
                "oidc.issuers",
                "name at least one issuer ([[oidc.issuers]] issuer = \"https://...\")",
            ));
        }
        let mut issuers = Vec::with_capacity(self.issuers.len());
        for (i, section) in self.issuers.iter().enumerate() {
            issuers.push(section.to_config(i, resource)?);
        }
        let mut config = OidcConfig::new(issuers);
        if let Some(secs) = self.leeway_secs {
            let leeway = Duration::from_secs(secs);
            if leeway > MAX_LEEWAY {
                return Err(error("oidc.leeway_secs", "must be at most 60"));
            }
            config = config.with_leeway(leeway);
        }
        Ok(config)
    }
}

impl IssuerSection {
    fn to_config(&self, index: usize, resource: &str) -> Result<IssuerConfig, ConfigError> {
        let key = |k: &str| format!("oidc.issuers[{index}].{k}");
        let trust = |k: String, v: &str| {
            TrustLevel::parse(v)
                .filter(|t| *t != TrustLevel::Unauthenticated)
                .ok_or_else(|| {
                    error(
                        &k,
                        &format!("`{v}` is not a trust level; use low, medium or high"),
                    )
                })
        };
        if !self.issuer.starts_with("https://") && !loopback_http(&self.issuer) {
            return Err(error(
                &key("issuer"),
                "must be an https:// URL (http:// only on a loopback host)",
            ));
        }
        let mut config = IssuerConfig::new(self.issuer.clone(), resource.to_owned());
        if let Some(t) = &self.service_trust {
            config = config.with_service_trust(trust(key("service_trust"), t)?);
        }
        if let Some(names) = &self.algorithms {
            let mut algs = Vec::with_capacity(names.len());
            for name in names {
                algs.push(SigningAlg::from_jose(name).ok_or_else(|| {
                    let known: Vec<&str> = SigningAlg::ALL.iter().map(|a| a.as_jose()).collect();
                    error(
                        &key("algorithms"),
                        &format!("`{name}` is not accepted; use one of {}", known.join(", ")),
                    )
                })?);
            }
            if algs.is_empty() {
                return Err(error(
                    &key("algorithms"),
                    "must name at least one algorithm",
                ));
            }
            config = config.with_allowed_algs(algs);
        }
        for (acr, level) in &self.acr {
            config = config.with_acr(acr.clone(), trust(key(&format!("acr.\"{acr}\"")), level)?);
        }
        if self.dangerous_accept_plain_jwt {
            tracing::warn!(issuer = %self.issuer, "dangerous_accept_plain_jwt: typ at+jwt not required");
            config = config.with_require_at_jwt(false);
        }
        Ok(config)
    }
}

/// `http://` on a loopback host exactly (`http://localhost.example.com` is not one).
fn loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.strip_prefix("[::1]") {
        Some(port) => return port.is_empty() || port.starts_with(':'),
        None => authority.split(':').next().unwrap_or(""),
    };
    host == "127.0.0.1" || host == "localhost"
}

fn error(key: &str, message: &str) -> ConfigError {
    ConfigError {
        key: key.to_owned(),
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use crate::basics::TrustLevel;
    use crate::config::SigilConfig;
    use crate::identity::oidc::SigningAlg;

    const RESOURCE: &str = "https://mcp.example.eu/mcp";

    #[test]
    fn a_full_section_becomes_the_verifier_policy() {
        let text = r#"
[oidc]
leeway_secs = 10
[[oidc.issuers]]
issuer = "https://login.example.eu"
service_trust = "medium"
algorithms = ["ES256"]
[oidc.issuers.acr]
"urn:example:mfa" = "high"
[[oidc.issuers]]
issuer = "http://127.0.0.1:9000"
dangerous_accept_plain_jwt = true
"#;
        let section = SigilConfig::parse(text).unwrap().oidc.unwrap();
        let config = section.to_config(&section.resource_or(RESOURCE)).unwrap();
        assert_eq!(config.leeway.as_secs(), 10);
        let first = &config.issuers[0];
        assert_eq!(first.resource, RESOURCE);
        assert_eq!(first.service_trust, TrustLevel::Medium);
        assert_eq!(first.allowed_algs, vec![SigningAlg::Es256]);
        assert_eq!(first.acr_map["urn:example:mfa"], TrustLevel::High);
        assert!(first.require_at_jwt);
        assert!(!config.issuers[1].require_at_jwt);
    }

    #[test]
    fn mistakes_name_their_key() {
        for (body, key) in [
            ("[oidc]\n", "oidc.issuers"),
            (
                "[oidc]\nleeway_secs = 120\n[[oidc.issuers]]\nissuer = \"https://a\"\n",
                "oidc.leeway_secs",
            ),
            (
                "[[oidc.issuers]]\nissuer = \"http://login.example.eu\"\n",
                "oidc.issuers[0].issuer",
            ),
            (
                "[[oidc.issuers]]\nissuer = \"http://localhost.example.eu\"\n",
                "oidc.issuers[0].issuer",
            ),
            (
                "[[oidc.issuers]]\nissuer = \"http://[::1]x.example.eu\"\n",
                "oidc.issuers[0].issuer",
            ),
            (
                "[[oidc.issuers]]\nissuer = \"https://a\"\nalgorithms = [\"HS256\"]\n",
                "oidc.issuers[0].algorithms",
            ),
            (
                "[[oidc.issuers]]\nissuer = \"https://a\"\nalgorithms = [\"none\"]\n",
                "oidc.issuers[0].algorithms",
            ),
            (
                "[[oidc.issuers]]\nissuer = \"https://a\"\nservice_trust = \"root\"\n",
                "oidc.issuers[0].service_trust",
            ),
            (
                "[[oidc.issuers]]\nissuer = \"https://a\"\n[oidc.issuers.acr]\nx = \"unauthenticated\"\n",
                "oidc.issuers[0].acr.\"x\"",
            ),
        ] {
            let section = SigilConfig::parse(body).unwrap().oidc.unwrap();
            let e = section.to_config(RESOURCE).unwrap_err();
            assert_eq!(e.key, key, "{body}");
        }
        let e = SigilConfig::parse("[[oidc.issuers]]\nisuer = \"https://a\"\n").unwrap_err();
        assert!(e.to_string().contains("isuer"), "{e}");
    }
}
