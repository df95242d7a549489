//! The endpoints of an OpenID provider beyond `jwks_uri`, from its discovery document: what
//! introspection and `sigil login` need.

use serde::Deserialize;

use super::config::is_acceptable_url;
use super::discovery::get_json;

/// The endpoints of one provider, each checked to be `https://` (or loopback `http://`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProviderEndpoints {
    pub(crate) issuer: String,
    pub(crate) jwks_uri: String,
    pub(crate) authorization_endpoint: Option<String>,
    pub(crate) token_endpoint: Option<String>,
    pub(crate) introspection_endpoint: Option<String>,
    pub(crate) device_authorization_endpoint: Option<String>,
    /// Whether the provider may support PKCE with S256 (what `sigil login` sends).
    pub(crate) pkce_s256: bool,
}

#[derive(Deserialize)]
struct Raw {
    issuer: String,
    jwks_uri: String,
    authorization_endpoint: Option<String>,
    token_endpoint: Option<String>,
    introspection_endpoint: Option<String>,
    device_authorization_endpoint: Option<String>,
    code_challenge_methods_supported: Option<Vec<String>>,
}

/// Reads `issuer`'s discovery document; its `issuer` must equal `issuer` exactly. An endpoint that
/// is not `https://` (or loopback `http://`) is an error, not ignored.
pub(crate) async fn discover_endpoints(
    http: &reqwest::Client,
    issuer: &str,
) -> Result<ProviderEndpoints, &'static str> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let fetched = get_json(http, &url).await?;
    let raw: Raw =
        serde_json::from_slice(&fetched.body).map_err(|_| "discovery document is not valid")?;
    if raw.issuer != issuer {
        return Err("discovery document names another issuer");
    }
    let endpoints = [
        Some(&raw.jwks_uri),
        raw.authorization_endpoint.as_ref(),
        raw.token_endpoint.as_ref(),
        raw.introspection_endpoint.as_ref(),
        raw.device_authorization_endpoint.as_ref(),
    ];
    if endpoints
        .into_iter()
        .flatten()
        .any(|u| !is_acceptable_url(u))
    {
        return Err("an endpoint is not https:// (or loopback http://)");
    }
    Ok(ProviderEndpoints {
        issuer: raw.issuer,
        jwks_uri: raw.jwks_uri,
        authorization_endpoint: raw.authorization_endpoint,
        token_endpoint: raw.token_endpoint,
        introspection_endpoint: raw.introspection_endpoint,
        device_authorization_endpoint: raw.device_authorization_endpoint,
        // RFC 8414 §2: an absent list means unknown; only a list without S256 says no.
        pkce_s256: raw
            .code_challenge_methods_supported
            .is_none_or(|m| m.iter().any(|m| m == "S256")),
    })
}
