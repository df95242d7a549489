//! An access token for a local (stdio) server, from the environment.
//!
//! A stdio server has no `Authorization` header: whoever starts it hands it a token instead, in
//! [`ACCESS_TOKEN_ENV`] (`SIGIL_ACCESS_TOKEN`) or in a file named by [`ACCESS_TOKEN_FILE_ENV`]
//! (`SIGIL_ACCESS_TOKEN_FILE`, mode `0600` or stricter). The token is read once at start-up and
//! verified exactly as the HTTP resource server verifies bearer tokens ([`OidcVerifier::verify`]:
//! signature, `alg`, `typ`, `iss`, `aud` = the configured resource, times, trust from `acr`). A
//! refused token stops the server from starting; once the token expires, every call is refused
//! (see [`SessionIdentity`]). The token itself is never printed, logged or kept after verification.
//!
//! ```no_run
//! # use sigil_runtime::identity::oidc::{EnvToken, IssuerConfig, OidcConfig, OidcVerifier};
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = OidcConfig::new(vec![IssuerConfig::new("https://login.example.eu", "https://bank.example.eu/mcp")]);
//! let verifier = OidcVerifier::discover(config).await?;
//! let session = EnvToken::from_env()?.verify(&verifier).await?;
//! println!("this session is {}", session.caller().principal());
//! # Ok(()) }
//! ```

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::time::SystemTime;

use zeroize::Zeroizing;

use crate::basics::private_file::{self, OpenError};
use crate::identity::AuthMethod;

use super::bearer::MAX_TOKEN_LEN;
use super::error::TokenError;
use super::session::SessionIdentity;
use super::verifier::OidcVerifier;

/// The environment variable holding the access token of a local server.
pub const ACCESS_TOKEN_ENV: &str = "SIGIL_ACCESS_TOKEN";
/// The environment variable naming a file that holds the access token (an alternative to
/// [`ACCESS_TOKEN_ENV`] that keeps the token out of the process environment).
pub const ACCESS_TOKEN_FILE_ENV: &str = "SIGIL_ACCESS_TOKEN_FILE";

/// Why no session could be had from the environment's token. Never contains the token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvTokenError {
    /// Neither variable is set.
    NotSet,
    /// Both variables are set: which one is meant is unclear.
    Ambiguous,
    /// The token (or the file name) is not valid UTF-8.
    NotUnicode,
    /// The token is empty, contains whitespace or control characters inside, or is longer than
    /// 16 KiB.
    Malformed,
    /// The token file could not be read, or is readable by others than its owner.
    File {
        /// The file named by [`ACCESS_TOKEN_FILE_ENV`].
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The token was refused by the verifier (or has expired already).
    Refused(TokenError),
}

impl fmt::Display for EnvTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotSet => write!(
                f,
                "no access token: set {ACCESS_TOKEN_ENV} or {ACCESS_TOKEN_FILE_ENV}"
            ),
            Self::Ambiguous => write!(
                f,
                "both {ACCESS_TOKEN_ENV} and {ACCESS_TOKEN_FILE_ENV} are set; set only one"
            ),
            Self::NotUnicode => write!(f, "{ACCESS_TOKEN_ENV}: the token is not valid UTF-8"),
            Self::Malformed => write!(
                f,
                "{ACCESS_TOKEN_ENV}: the token is empty, too long or contains whitespace"
            ),
            Self::File { path, reason } => {
                write!(f, "{ACCESS_TOKEN_FILE_ENV}: {}: {reason}", path.display())
            }
            Self::Refused(e) => write!(f, "the access token was refused: {e}"),
        }
    }
}

impl std::error::Error for EnvTokenError {}

/// An access token read from the environment, not yet verified. `Debug` does not show it; the
/// memory is wiped on drop.
pub struct EnvToken(Zeroizing<String>);

impl fmt::Debug for EnvToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnvToken(..)")
    }
}

impl EnvToken {
    /// Reads [`ACCESS_TOKEN_ENV`] or the file named by [`ACCESS_TOKEN_FILE_ENV`].
    pub fn from_env() -> Result<Self, EnvTokenError> {
        Self::from_values(
            std::env::var_os(ACCESS_TOKEN_ENV),
            std::env::var_os(ACCESS_TOKEN_FILE_ENV),
        )
    }

    /// [`EnvToken::from_env`] with the two variables' values given. Leading and trailing
    /// whitespace (a trailing newline in a file) is ignored.
    pub fn from_values(
        token: Option<OsString>,
        file: Option<OsString>,
    ) -> Result<Self, EnvTokenError> {
        let text = match (token, file) {
            (Some(_), Some(_)) => return Err(EnvTokenError::Ambiguous),
            (None, None) => return Err(EnvTokenError::NotSet),
            (Some(token), None) => {
                Zeroizing::new(token.into_string().map_err(|_| EnvTokenError::NotUnicode)?)
            }
            (None, Some(path)) => read_token_file(PathBuf::from(path))?,
        };
        let token = text.trim();
        if token.is_empty()
            || token.len() > MAX_TOKEN_LEN
            || token.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(EnvTokenError::Malformed);
        }
        Ok(Self(Zeroizing::new(token.to_owned())))
    }

    /// Verifies the token as the resource server would and binds a session to it
    /// ([`AuthMethod::OidcBearer`]). A token that has expired (even within the verifier's clock
    /// leeway) is refused: the session would end before it began.
    pub async fn verify(&self, verifier: &OidcVerifier) -> Result<SessionIdentity, EnvTokenError> {
        let token = verifier
            .verify(&self.0)
            .await
            .map_err(EnvTokenError::Refused)?;
        if token.expires_at <= SystemTime::now() {
            return Err(EnvTokenError::Refused(TokenError::Expired));
        }
        Ok(SessionIdentity::from_token(&token, AuthMethod::OidcBearer))
    }
}

fn read_token_file(path: PathBuf) -> Result<Zeroizing<String>, EnvTokenError> {
    let fail = |reason: String| EnvTokenError::File {
        path: path.clone(),
        reason,
    };
    let bytes = private_file::read(&path, MAX_TOKEN_LEN as u64 + 64).map_err(|e| match e {
        OpenError::Io(e) => fail(e.kind().to_string()),
        OpenError::NotPrivate(reason) => fail(reason.to_string()),
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| fail("not a UTF-8 text file".into()))?;
    Ok(Zeroizing::new(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_source_and_a_plain_token_are_needed() {
        let t = |s: &str| Some(OsString::from(s));
        assert!(EnvToken::from_values(t(" abc.def.ghi\n"), None).is_ok());
        assert_eq!(
            EnvToken::from_values(None, None).unwrap_err(),
            EnvTokenError::NotSet
        );
        assert_eq!(
            EnvToken::from_values(t("a"), t("/x")).unwrap_err(),
            EnvTokenError::Ambiguous
        );
        for bad in ["", "  ", "a b", "a\u{0}b", &"a".repeat(MAX_TOKEN_LEN + 1)] {
            assert_eq!(
                EnvToken::from_values(t(bad), None).unwrap_err(),
                EnvTokenError::Malformed
            );
        }
    }

    #[test]
    fn errors_and_debug_never_show_the_token() {
        let token = EnvToken::from_values(Some("sekrit-token".into()), None).unwrap();
        assert!(!format!("{token:?}").contains("sekrit"));
        let err = EnvToken::from_values(Some("sekrit token".into()), None).unwrap_err();
        assert!(!err.to_string().contains("sekrit"));
    }

    #[cfg(unix)]
    #[test]
    fn a_token_file_must_be_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "abc.def.ghi\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = EnvToken::from_values(None, Some(path.clone().into())).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(EnvToken::from_values(None, Some(path.into())).is_ok());
        let missing = dir.path().join("missing");
        assert!(matches!(
            EnvToken::from_values(None, Some(missing.into())),
            Err(EnvTokenError::File { .. })
        ));
    }
}
