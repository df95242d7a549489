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

mod bearer;
mod claims;
pub(crate) mod compact;
mod config;
mod discovery;
mod error;
pub(crate) mod jwk;
mod key_cache;
mod trust;
mod verifier;

pub use bearer::bearer_token;
pub use config::{IssuerConfig, MAX_LEEWAY, OidcConfig, SigningAlg};
pub use error::TokenError;
pub use trust::{EIDAS_LOA_HIGH, EIDAS_LOA_LOW, EIDAS_LOA_SUBSTANTIAL, eidas_acr_for};
pub use verifier::{OidcVerifier, SubjectKind, VerifiedToken};
