//! The resource server's front-door decisions, independent of the HTTP framework: who is calling
//! (401 otherwise) and may they call this (403 `insufficient_scope`, or an RFC 9470 step-up).
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use sigil_runtime::identity::TrustLevel;
//! # use sigil_runtime::identity::oidc::{IssuerConfig, OidcConfig, OidcVerifier};
//! # use sigil_runtime::identity::resource_server::ResourceServer;
//! # async fn run(authorization: Option<&str>) {
//! # let config = OidcConfig::new(vec![IssuerConfig::new("https://login.example.eu", "https://mcp.example.eu/mcp")]);
//! let verifier = Arc::new(OidcVerifier::discover(config).await.unwrap());
//! let server = ResourceServer::new(verifier, "https://mcp.example.eu/mcp", ["bank:read"]).unwrap();
//! match server.authenticate(authorization).await {
//!     Ok(token) => match server.authorize(&token, &["bank:transfer"], TrustLevel::High) {
//!         Ok(()) => { /* run the tool */ }
//!         Err(challenge) => { /* reply challenge.status() with WWW-Authenticate: {challenge} */ }
//!     },
//!     Err(challenge) => { /* reply challenge.status() with WWW-Authenticate: {challenge} */ }
//! }
//! # }
//! ```

use std::sync::Arc;

use serde_json::Value;

use super::TrustLevel;
use super::oidc::{OidcVerifier, TokenError, VerifiedToken, bearer_token};
use super::resource_metadata::{
    BearerChallenge, ProtectedResourceMetadata, metadata_paths, metadata_url,
};

/// One protected resource (e.g. `https://host/mcp`) and the verifier of its tokens.
#[derive(Debug, Clone)]
pub struct ResourceServer {
    verifier: Arc<OidcVerifier>,
    metadata: ProtectedResourceMetadata,
    metadata_url: String,
    metadata_paths: Vec<String>,
    default_scopes: Vec<String>,
}

impl ResourceServer {
    /// A resource server for `resource` (its canonical URI), whose metadata names the verifier's
    /// issuers as authorization servers and `scopes` as supported. The scopes are also the
    /// `scope` hint of a plain 401. Fails with [`TokenError::Config`] if `resource` is not an
    /// absolute http(s) URI without query or fragment.
    pub fn new<S: Into<String>>(
        verifier: Arc<OidcVerifier>,
        resource: &str,
        scopes: impl IntoIterator<Item = S>,
    ) -> Result<Self, TokenError> {
        let bad = || TokenError::Config("resource is not an absolute http(s) URI");
        let url = metadata_url(resource).ok_or_else(bad)?;
        let paths = metadata_paths(resource).ok_or_else(bad)?;
        let default_scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        let mut metadata =
            ProtectedResourceMetadata::new(resource).scopes(default_scopes.iter().cloned());
        for issuer in verifier.issuers() {
            metadata = metadata.authorization_server(issuer);
        }
        Ok(Self {
            verifier,
            metadata,
            metadata_url: url,
            metadata_paths: paths,
            default_scopes,
        })
    }

    /// The RFC 9728 document to serve on [`ResourceServer::metadata_paths`].
    pub fn metadata_json(&self) -> Value {
        self.metadata.to_json()
    }

    /// The paths to serve the metadata on (path-suffixed form first, then the bare prefix).
    pub fn metadata_paths(&self) -> &[String] {
        &self.metadata_paths
    }

    /// The absolute URL of the metadata (the `resource_metadata` challenge parameter).
    pub fn metadata_url(&self) -> &str {
        &self.metadata_url
    }

    /// The verifier, e.g. for its fetch counters.
    pub fn verifier(&self) -> &OidcVerifier {
        &self.verifier
    }

    /// Verifies the `Authorization` header value (`None` when absent). On failure the challenge
    /// is a 401: without `error` when no token was sent, `invalid_token` otherwise.
    pub async fn authenticate(
        &self,
        authorization: Option<&str>,
    ) -> Result<VerifiedToken, BearerChallenge> {
        let verified = match authorization.map(bearer_token) {
            None => Err(TokenError::Missing),
            Some(Err(e)) => Err(e),
            Some(Ok(token)) => self.verifier.verify(token).await,
        };
        verified.map_err(|e| {
            let challenge = BearerChallenge::invalid_token(&self.metadata_url, &e);
            if e == TokenError::Missing {
                challenge.with_scopes(self.default_scopes.iter().cloned())
            } else {
                challenge
            }
        })
    }

    /// Decides whether `token` may call something that needs `scopes` and `trust`. Trust first:
    /// a too-weak authentication gets a 401 step-up asking for the eIDAS level (and naming the
    /// scopes, so the new token can carry them); then missing scopes get a 403 listing every
    /// scope needed.
    pub fn authorize(
        &self,
        token: &VerifiedToken,
        scopes: &[&str],
        trust: TrustLevel,
    ) -> Result<(), BearerChallenge> {
        if token.trust < trust {
            return Err(BearerChallenge::step_up(&self.metadata_url, trust)
                .with_scopes(scopes.iter().copied()));
        }
        if !token.has_scopes(scopes) {
            return Err(BearerChallenge::insufficient_scope(
                &self.metadata_url,
                scopes.iter().copied(),
            ));
        }
        Ok(())
    }
}
