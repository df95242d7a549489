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

const NOT_UNICODE: &str = "SIGIL_ACCESS_TOKEN is not valid UTF-8";
const MALFORMED: &str = "SIGIL_ACCESS_TOKEN is empty, too long or contains whitespace";

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
    pub fn from_env() -> Result<Self, TokenError> {
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
    ) -> Result<Self, TokenError> {
        let text = match (token, file) {
            (Some(_), Some(_)) => return Err(TokenError::AmbiguousEnvironment),
            (None, None) => return Err(TokenError::NotInEnvironment),
            (Some(token), None) => Zeroizing::new(
                token
                    .into_string()
                    .map_err(|_| TokenError::Malformed(NOT_UNICODE))?,
            ),
            (None, Some(path)) => read_token_file(PathBuf::from(path))?,
        };
        let token = text.trim();
        if token.is_empty()
            || token.len() > MAX_TOKEN_LEN
            || token.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(TokenError::Malformed(MALFORMED));
        }
        Ok(Self(Zeroizing::new(token.to_owned())))
    }

    /// Verifies the token as the resource server would and binds a session to it
    /// ([`AuthMethod::OidcBearer`]). A token that has expired (even within the verifier's clock
    /// leeway) is refused: the session would end before it began.
    pub async fn verify(&self, verifier: &OidcVerifier) -> Result<SessionIdentity, TokenError> {
        let token = verifier.verify(&self.0).await?;
        if token.expires_at <= SystemTime::now() {
            return Err(TokenError::Expired);
        }
        Ok(SessionIdentity::from_token(&token, AuthMethod::OidcBearer))
    }
}

fn read_token_file(path: PathBuf) -> Result<Zeroizing<String>, TokenError> {
    let fail = |reason: String| TokenError::TokenFile {
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
            TokenError::NotInEnvironment
        );
        assert_eq!(
            EnvToken::from_values(t("a"), t("/x")).unwrap_err(),
            TokenError::AmbiguousEnvironment
        );
        for bad in ["", "  ", "a b", "a\u{0}b", &"a".repeat(MAX_TOKEN_LEN + 1)] {
            assert_eq!(
                EnvToken::from_values(t(bad), None).unwrap_err(),
                TokenError::Malformed(MALFORMED)
            );
        }
    }

    #[test]
    fn the_texts_name_the_variables_as_they_are_spelled() {
        for text in [
            TokenError::NotInEnvironment.to_string(),
            TokenError::AmbiguousEnvironment.to_string(),
        ] {
            assert!(text.contains(ACCESS_TOKEN_ENV) && text.contains(ACCESS_TOKEN_FILE_ENV));
        }
        assert!(NOT_UNICODE.starts_with(ACCESS_TOKEN_ENV));
        assert!(MALFORMED.starts_with(ACCESS_TOKEN_ENV));
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
            Err(TokenError::TokenFile { .. })
        ));
    }
}
