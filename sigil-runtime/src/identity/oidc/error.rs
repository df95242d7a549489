//! The one error type of the OIDC resource server.

use std::fmt;
use std::path::PathBuf;

use crate::identity::jwt_times::TimeClaimError;

/// Why a bearer token was refused, or why the verifier could not be set up.
///
/// `Display` and `Debug` never contain the token, its claims or any key material: the texts are
/// fixed, and may be sent to the client as `error_description`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// No `Authorization: Bearer` credential was presented.
    Missing,
    /// Not a compact JWS: wrong number of segments, broken base64url, non-JSON header or payload,
    /// an unsupported `crit` header, or a malformed `Authorization` header. The text says which.
    Malformed(&'static str),
    /// Longer than the accepted maximum (16 KiB).
    TooLarge,
    /// `iss` is not one of the configured issuers (exact comparison).
    UnknownIssuer,
    /// `alg` is `none`, HMAC, unknown, or not on this issuer's allow-list.
    AlgNotAllowed,
    /// No key in the issuer's JWKS has the token's `kid` (after the rate-limited refetch).
    UnknownKey,
    /// The key named by `kid` is of a type (or declares an `alg`) that does not fit the token's
    /// `alg`.
    KeyMismatch,
    /// The signature does not verify under the issuer's key.
    BadSignature,
    /// The header `typ` is not `at+jwt` while the issuer is configured to require it (e.g. an
    /// ID token presented as an access token).
    WrongType,
    /// `aud` does not contain this server's resource URI.
    WrongAudience,
    /// `exp` is in the past (beyond the leeway).
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid,
    /// `iat` is in the future (beyond the leeway).
    IssuedInFuture,
    /// A required claim is absent.
    MissingClaim(&'static str),
    /// A claim has the wrong JSON type or an impossible value.
    InvalidClaim(&'static str),
    /// OIDC discovery or the first JWKS fetch failed for the named issuer.
    Discovery {
        /// The configured issuer identifier (configuration, not token content).
        issuer: String,
        /// What went wrong.
        reason: &'static str,
    },
    /// The configuration is unusable.
    Config(&'static str),
    /// RFC 7662 introspection says the (opaque) token is not active: unknown, revoked or expired.
    Inactive,
    /// RFC 7662 introspection could not be done: the endpoint is unreachable, refused our client
    /// credentials, or answered nonsense. The text says which.
    Introspection(&'static str),
    /// A local server's token ([`EnvToken`](super::EnvToken)): neither `SIGIL_ACCESS_TOKEN` nor
    /// `SIGIL_ACCESS_TOKEN_FILE` is set.
    NotInEnvironment,
    /// A local server's token: both `SIGIL_ACCESS_TOKEN` and `SIGIL_ACCESS_TOKEN_FILE` are set,
    /// so which one is meant is unclear.
    AmbiguousEnvironment,
    /// A local server's token file could not be read, or is readable by others than its owner.
    TokenFile {
        /// The file named by `SIGIL_ACCESS_TOKEN_FILE`.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl TokenError {
    /// `true` for a refused token (answer 401 `invalid_token`, or 401 without `error` for
    /// [`TokenError::Missing`]); `false` for a set-up problem of this server.
    pub fn is_token_problem(&self) -> bool {
        !matches!(
            self,
            Self::Discovery { .. }
                | Self::Config(_)
                | Self::Introspection(_)
                | Self::NotInEnvironment
                | Self::AmbiguousEnvironment
                | Self::TokenFile { .. }
        )
    }
}

impl From<TimeClaimError> for TokenError {
    fn from(e: TimeClaimError) -> Self {
        match e {
            TimeClaimError::Missing(name) => Self::MissingClaim(name),
            TimeClaimError::Invalid(name) => Self::InvalidClaim(name),
            TimeClaimError::Expired => Self::Expired,
            TimeClaimError::NotYetValid => Self::NotYetValid,
            TimeClaimError::IssuedInFuture => Self::IssuedInFuture,
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("no bearer token"),
            Self::Malformed(what) => write!(f, "malformed token: {what}"),
            Self::TooLarge => f.write_str("token too large"),
            Self::UnknownIssuer => f.write_str("token issuer is not trusted"),
            Self::AlgNotAllowed => f.write_str("token signing algorithm is not allowed"),
            Self::UnknownKey => f.write_str("token signing key is unknown"),
            Self::KeyMismatch => f.write_str("token signing key does not fit its algorithm"),
            Self::BadSignature => f.write_str("token signature is invalid"),
            Self::WrongType => f.write_str("token is not an access token (typ at+jwt)"),
            Self::WrongAudience => f.write_str("token is not meant for this resource"),
            Self::Expired => f.write_str("token has expired"),
            Self::NotYetValid => f.write_str("token is not valid yet"),
            Self::IssuedInFuture => f.write_str("token is issued in the future"),
            Self::MissingClaim(name) => write!(f, "token lacks the {name} claim"),
            Self::InvalidClaim(name) => write!(f, "token has an invalid {name} claim"),
            Self::Discovery { issuer, reason } => {
                write!(f, "OIDC discovery for {issuer} failed: {reason}")
            }
            Self::Config(what) => write!(f, "invalid OIDC configuration: {what}"),
            Self::Inactive => f.write_str("token is not active"),
            Self::Introspection(what) => write!(f, "token introspection failed: {what}"),
            Self::NotInEnvironment => {
                f.write_str("no access token: set SIGIL_ACCESS_TOKEN or SIGIL_ACCESS_TOKEN_FILE")
            }
            Self::AmbiguousEnvironment => f.write_str(
                "both SIGIL_ACCESS_TOKEN and SIGIL_ACCESS_TOKEN_FILE are set; set only one",
            ),
            Self::TokenFile { path, reason } => {
                write!(f, "SIGIL_ACCESS_TOKEN_FILE: {}: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for TokenError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_safe_for_a_quoted_header_parameter() {
        let all = [
            TokenError::Missing,
            TokenError::Malformed("three segments expected"),
            TokenError::TooLarge,
            TokenError::UnknownIssuer,
            TokenError::AlgNotAllowed,
            TokenError::UnknownKey,
            TokenError::KeyMismatch,
            TokenError::BadSignature,
            TokenError::WrongType,
            TokenError::WrongAudience,
            TokenError::Expired,
            TokenError::NotYetValid,
            TokenError::IssuedInFuture,
            TokenError::MissingClaim("exp"),
            TokenError::InvalidClaim("aud"),
            TokenError::Inactive,
        ];
        for e in all {
            let text = e.to_string();
            assert!(e.is_token_problem());
            assert!(
                text.chars()
                    .all(|c| (' '..='~').contains(&c) && c != '"' && c != '\\'),
                "{text}"
            );
        }
    }
}
