//! OIDC resource server: verifies JWT access tokens (RFC 9068) from configured issuers.
//!
//! ```no_run
//! use sigil_runtime::identity::oidc::{IssuerConfig, OidcConfig, OidcVerifier};
//!
//! # async fn run(authorization: &str) -> Result<(), sigil_runtime::identity::oidc::TokenError> {
//! let config = OidcConfig::new(vec![IssuerConfig::new(
//!     "https://login.example.eu",
//!     "https://mcp.example.eu/mcp",
//! )]);
//! let verifier = OidcVerifier::discover(config).await?;
//! let bearer = sigil_runtime::identity::oidc::bearer_token(authorization)?;
//! let token = verifier.verify(bearer).await?;
//! println!("{} at trust {}", token.principal, token.trust);
//! # Ok(()) }
//! ```
//!
//! What is checked, in order: size and shape; `alg` against the allow-list (never `none`, never
//! HMAC); exact `iss` among the configured issuers; the key named by `kid` from that issuer's JWKS,
//! of a type that fits `alg`; the signature; `typ` `at+jwt` (when required); `exp`, `nbf`, `iat`
//! with the configured leeway (at most 60 s); `aud` containing the configured resource URI.
//! Tokens never appear in errors, `Debug` output or logs.
//!
//! Opaque access tokens are verified by RFC 7662 introspection when an issuer is configured with
//! [`IntrospectionConfig`] (see [`IssuerConfig::with_introspection`]).
//!
//! Local (stdio) servers: [`EnvToken`] verifies a token handed over in `SIGIL_ACCESS_TOKEN` the
//! same way and binds a [`SessionIdentity`] to it; [`login_in_browser`] (behind `sigil login`)
//! and [`session_from_login`] bind it to a verified OIDC login instead.

mod bearer;
mod claims;
pub(crate) mod compact;
mod config;
mod discovery;
mod env_token;
mod error;
mod form_post;
mod introspection;
pub(crate) mod jwk;
mod key_cache;
mod login;
mod provider_metadata;
mod session;
mod trust;
mod verified_token;
mod verifier;

pub use bearer::bearer_token;
pub use config::{IntrospectionConfig, IssuerConfig, MAX_LEEWAY, OidcConfig, SigningAlg};
pub use env_token::{ACCESS_TOKEN_ENV, ACCESS_TOKEN_FILE_ENV, EnvToken};
pub use error::TokenError;
pub use form_post::{ClientAuth, ClientSecret};
pub use login::{
    DeviceCodePrompt, LoggedIn, LoginConfig, LoginError, LoginStore, login_in_browser,
    login_with_device_code, session_from_login,
};
pub use session::SessionIdentity;
pub use trust::{EIDAS_LOA_HIGH, EIDAS_LOA_LOW, EIDAS_LOA_SUBSTANTIAL, eidas_acr_for};
pub use verified_token::{SubjectKind, VerifiedToken};
pub use verifier::OidcVerifier;
