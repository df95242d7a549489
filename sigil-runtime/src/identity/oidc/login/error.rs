//! The error type of OIDC login.

use std::fmt;
use std::path::PathBuf;

use super::super::error::TokenError;

/// Why a login, or a session from a stored login, failed. Never contains a token, code,
/// verifier or secret; a provider's `error` code is kept only if it is a plain word.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoginError {
    /// The configuration is unusable.
    Config(&'static str),
    /// The provider's discovery document or keys could not be had.
    Discovery(&'static str),
    /// The loopback redirect listener could not be set up or failed.
    Loopback(String),
    /// Nobody came back to the redirect within the time allowed.
    TimedOut,
    /// The provider sent the browser back with an error (e.g. `access_denied`).
    Denied(String),
    /// The token endpoint refused the code or answered nonsense.
    TokenEndpoint(String),
    /// The ID token was refused (signature, `iss`, `aud`, `nonce`, times, ...).
    IdToken(TokenError),
    /// The stored login could not be written or read.
    Store {
        /// The login file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// No stored login for this issuer and client: run `sigil login`.
    NotLoggedIn {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The stored login has expired: run `sigil login` again.
    Expired,
    /// The OS random number generator failed.
    Random,
}

impl fmt::Display for LoginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config(what) => write!(f, "invalid login configuration: {what}"),
            Self::Discovery(what) => write!(f, "OIDC discovery failed: {what}"),
            Self::Loopback(what) => write!(f, "loopback redirect: {what}"),
            Self::TimedOut => f.write_str("the login was not completed in time"),
            Self::Denied(error) => write!(f, "the provider refused the login: {error}"),
            Self::TokenEndpoint(what) => write!(f, "the token endpoint refused: {what}"),
            Self::IdToken(e) => write!(f, "the ID token was refused: {e}"),
            Self::Store { path, reason } => {
                write!(f, "login file {}: {reason}", path.display())
            }
            Self::NotLoggedIn { path } => write!(
                f,
                "not logged in (no {}): run `sigil login` first",
                path.display()
            ),
            Self::Expired => f.write_str("the login has expired: run `sigil login` again"),
            Self::Random => f.write_str("the OS random number generator failed"),
        }
    }
}

impl std::error::Error for LoginError {}

/// A provider's error code if it is a plain OAuth error word (`access_denied`), else a fixed
/// text: never echo arbitrary text from the redirect or the token endpoint.
pub(crate) fn oauth_error_word(error: Option<&str>) -> String {
    match error {
        Some(e)
            if !e.is_empty()
                && e.len() <= 64
                && e.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') =>
        {
            e.to_owned()
        }
        Some(_) => "an unrecognised error".to_owned(),
        None => "no error code".to_owned(),
    }
}
