//! The stored login: one 0600 JSON file per (issuer, client) in the user's data directory
//! (`$XDG_DATA_HOME/sigil/logins/`, else `~/.local/share/sigil/logins/`), directory 0700.

use std::io::Read as _;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroize as _;

use crate::basics::private_file::{self, OpenError};

use super::error::LoginError;

/// Largest login file read.
const MAX_FILE: u64 = 64 * 1024;

/// What `sigil login` keeps: the tokens and what is needed to re-verify the ID token.
#[derive(Serialize, Deserialize)]
pub(crate) struct StoredLogin {
    pub(crate) issuer: String,
    pub(crate) client_id: String,
    pub(crate) id_token: String,
    /// The nonce of the authorization request; `None` for the device grant.
    pub(crate) nonce: Option<String>,
    pub(crate) access_token: Option<String>,
    pub(crate) refresh_token: Option<String>,
    /// The `sub` of the login: a refreshed ID token must name the same subject. (Files written
    /// before this field existed have none, and cannot be refreshed.)
    #[serde(default)]
    pub(crate) subject: Option<String>,
    /// The scopes granted (the token response's `scope`, else those asked for).
    pub(crate) scope: String,
}

impl Drop for StoredLogin {
    fn drop(&mut self) {
        self.id_token.zeroize();
        if let Some(n) = &mut self.nonce {
            n.zeroize();
        }
        if let Some(t) = &mut self.access_token {
            t.zeroize();
        }
        if let Some(t) = &mut self.refresh_token {
            t.zeroize();
        }
    }
}

impl std::fmt::Debug for StoredLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredLogin")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// Where logins are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginStore {
    dir: PathBuf,
}

impl LoginStore {
    /// Logins under `dir` (one file per issuer and client).
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `logins/` in the default data directory (`$XDG_DATA_HOME/sigil` when absolute, else
    /// `$HOME/.local/share/sigil`).
    pub fn default_location() -> Result<Self, LoginError> {
        let data = crate::basics::data_dir()
            .map_err(|_| LoginError::Config("no data directory: set XDG_DATA_HOME or HOME"))?;
        Ok(Self::at(data.join("logins")))
    }

    /// The file of the login of `client_id` at `issuer`.
    pub fn path_for(&self, issuer: &str, client_id: &str) -> PathBuf {
        let digest = Sha256::digest(format!("{issuer}\n{client_id}").as_bytes());
        let name: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{name}.json"))
    }

    /// Writes `login` atomically with mode 0600 (a temporary file renamed into place).
    pub(crate) fn save(&self, login: &StoredLogin) -> Result<PathBuf, LoginError> {
        let path = self.path_for(&login.issuer, &login.client_id);
        let fail = |reason: String| LoginError::Store {
            path: path.clone(),
            reason,
        };
        private_file::create_dir(&self.dir).map_err(|e| fail(format!("create directory: {e}")))?;
        let mut json = serde_json::to_vec(login).map_err(|e| fail(e.to_string()))?;
        let written = private_file::replace_atomically(&path, &json);
        json.zeroize();
        written.map_err(|e| fail(format!("write: {e}")))?;
        Ok(path)
    }

    /// Reads the login of `client_id` at `issuer`, refusing a file others could read or write.
    pub(crate) fn load(&self, issuer: &str, client_id: &str) -> Result<StoredLogin, LoginError> {
        let path = self.path_for(issuer, client_id);
        let fail = |reason: String| LoginError::Store {
            path: path.clone(),
            reason,
        };
        let file = match private_file::open(&path) {
            Ok(f) => f,
            Err(OpenError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(LoginError::NotLoggedIn { path });
            }
            Err(e) => return Err(fail(e.to_string())),
        };
        let mut bytes = Vec::new();
        file.take(MAX_FILE)
            .read_to_end(&mut bytes)
            .map_err(|e| fail(e.to_string()))?;
        let login: Result<StoredLogin, _> = serde_json::from_slice(&bytes);
        bytes.zeroize();
        let login = login.map_err(|_| fail("not a login file".into()))?;
        if login.issuer != issuer || login.client_id != client_id {
            return Err(fail("the file is for another issuer or client".into()));
        }
        Ok(login)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login() -> StoredLogin {
        StoredLogin {
            issuer: "https://i".into(),
            client_id: "cli".into(),
            id_token: "id.token.sig".into(),
            nonce: Some("n".into()),
            subject: Some("alice".into()),
            access_token: Some("sekrit-access".into()),
            refresh_token: None,
            scope: "openid".into(),
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_login_round_trips_through_a_0600_file() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let store = LoginStore::at(dir.path().join("logins"));
        let path = store.save(&login()).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = std::fs::metadata(dir.path().join("logins"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
        let back = store.load("https://i", "cli").unwrap();
        assert_eq!(back.access_token.as_deref(), Some("sekrit-access"));
        assert!(!format!("{back:?}").contains("sekrit"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = store.load("https://i", "cli").unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
        assert!(matches!(
            store.load("https://i", "other"),
            Err(LoginError::NotLoggedIn { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn garbage_in_the_file_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let store = LoginStore::at(dir.path());
        let path = store.path_for("https://i", "cli");
        std::io::Write::write_all(&mut private_file::create_new(&path).unwrap(), b"{not json")
            .unwrap();
        assert!(matches!(
            store.load("https://i", "cli"),
            Err(LoginError::Store { .. })
        ));
    }
}
