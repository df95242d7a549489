//! Identity: who is calling and at what trust level.
//!
//! - [`oidc`]: the OAuth 2.1 resource server core: JWT access tokens verified against the issuer's
//!   JWKS found by OIDC discovery, mapped to a [`Principal`] and a [`TrustLevel`].
//! - [`resource_metadata`]: RFC 9728 Protected Resource Metadata and the `WWW-Authenticate`
//!   challenges (401, 403 `insufficient_scope`, RFC 9470 step-up).
//! - [`resource_server`]: both put together for one resource: `authenticate` a request's
//!   `Authorization` header, `authorize` a call by scopes and trust, each failing with the
//!   challenge to send.
//! - [`qualified_cert`]: eIDAS qualified certificates over mutual TLS (QCStatements).

mod caller;
mod jwt_times;
pub mod oidc;
pub mod pid;

pub mod qualified_cert;
pub mod resource_metadata;
pub mod resource_server;
mod source;

pub use crate::basics::{Principal, TrustLevel};
pub use caller::{AuthMethod, Caller};
pub use source::{ExtensionsOrDefault, IdentityRefused, IdentitySource};
