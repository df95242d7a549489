//! The vault's master key: 32 bytes, held in zeroizing memory, never printed.
//!
//! Sources, in the order a server usually tries them:
//! - [`MasterKey::from_file`]: a key file of mode `0600` (or stricter) owned by the current user.
//! - [`MasterKey::from_env`]: an environment variable, read once.
//! - [`MasterKey::load_or_create_default`]: `$XDG_DATA_HOME/sigil/vault.key` (else
//!   `~/.local/share/sigil/vault.key`), created with mode `0600` on first run.
//!
//! A key file or variable holds 32 raw bytes (files only: exactly 32 bytes long), or 64 hex
//! characters, or base64 of the 32 bytes (standard or URL-safe alphabet, padding optional);
//! surrounding whitespace is ignored in the text forms. Generated key files hold lowercase hex.

use std::fmt;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use zeroize::Zeroizing;

use super::error::VaultError;
use super::key_text::{decode_key, encode_hex_line};
use crate::basics::private_file::{self, OpenError};

/// Names of the environment variables this process has read a key from.
static READ_ENV_VARS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The longest key file we read: hex or base64 with generous whitespace.
const MAX_KEY_FILE: u64 = 4096;

/// The vault's 256-bit master key.
///
/// The bytes live in zeroizing storage and are wiped on drop. There is no way to print them:
/// `Debug` shows `MasterKey(..)` and there is no `Display`.
pub struct MasterKey {
    bytes: Zeroizing<[u8; 32]>,
}

impl MasterKey {
    /// The name of the key file inside the data directory.
    pub const FILE_NAME: &'static str = "vault.key";

    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<Self, VaultError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut_slice()).map_err(|_| VaultError::Random)?;
        Ok(Self { bytes })
    }

    /// A key from its 32 bytes. The caller should wipe its own copy.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self {
            bytes: Zeroizing::new(bytes),
        }
    }

    /// A key from its text or raw form (see the module docs). `source` names where it came
    /// from, for the error message only.
    pub fn decode(encoded: &[u8], source: &str) -> Result<Self, VaultError> {
        decode_key(encoded)
            .map(|bytes| Self { bytes })
            .ok_or_else(|| VaultError::KeyFormat {
                source: source.to_owned(),
            })
    }

    /// Reads a key file.
    ///
    /// Refuses a file whose permission bits allow more than `0600` (`0600` and `0400` pass) or
    /// that is owned by another user, with an error naming the path and mode.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, VaultError> {
        let path = path.as_ref();
        let content = private_file::read(path, MAX_KEY_FILE).map_err(|e| match e {
            OpenError::Io(e) => VaultError::io("read key file", path, e),
            OpenError::NotPrivate(reason) => VaultError::KeyFileNotPrivate {
                path: path.to_owned(),
                reason,
            },
        })?;
        Self::decode(&content, &path.display().to_string())
    }

    /// Reads a key from the environment variable `var`, once per process.
    ///
    /// A second call for the same variable fails with [`VaultError::KeyEnvAlreadyRead`], so no
    /// later component can fetch the key through this function.
    ///
    /// This function does **not** remove the variable: `std::env::remove_var` is `unsafe` in
    /// edition 2024 (it races with any thread reading the environment) and this crate forbids
    /// `unsafe`. The embedding binary should remove it itself, at the top of `main` before any
    /// thread starts, right after this call:
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let key = sigil_runtime::vault::MasterKey::from_env("SIGIL_VAULT_KEY")?;
    /// // SAFETY (in the binary, not in sigil): no other thread exists yet.
    /// // unsafe { std::env::remove_var("SIGIL_VAULT_KEY") };
    /// # drop(key); Ok(()) }
    /// ```
    ///
    /// Independently of that, spawn child processes with `Command::env_remove(var)` (safe) so
    /// the key is never inherited.
    pub fn from_env(var: &str) -> Result<Self, VaultError> {
        let mut read = READ_ENV_VARS.lock().unwrap_or_else(|e| e.into_inner());
        if read.iter().any(|v| v == var) {
            return Err(VaultError::KeyEnvAlreadyRead {
                var: var.to_owned(),
            });
        }
        let value = std::env::var_os(var).ok_or_else(|| VaultError::KeyEnvMissing {
            var: var.to_owned(),
        })?;
        read.push(var.to_owned());
        let bytes = Zeroizing::new(value.into_encoded_bytes());
        // Raw bytes are not accepted from a variable: a 32-character variable is a mistake.
        if bytes.len() == 32 {
            return Err(VaultError::KeyFormat {
                source: format!("env:{var}"),
            });
        }
        Self::decode(&bytes, &format!("env:{var}"))
    }

    /// The default key path: `$XDG_DATA_HOME/sigil/vault.key` when `XDG_DATA_HOME` is set to an
    /// absolute path, else `$HOME/.local/share/sigil/vault.key`.
    pub fn default_path() -> Result<PathBuf, VaultError> {
        Ok(default_dir()?.join(Self::FILE_NAME))
    }

    /// Loads [`MasterKey::default_path`], creating it on first run (see
    /// [`MasterKey::load_or_create_at`]).
    pub fn load_or_create_default() -> Result<Self, VaultError> {
        Self::load_or_create_at(&default_dir()?)
    }

    /// Loads `dir/vault.key`, or creates it with a fresh key if it does not exist.
    ///
    /// A missing `dir` is created with mode `0700`. The file is created with mode `0600`
    /// atomically (written under a temporary name, then hard-linked into place), so a
    /// concurrent first run never sees a half-written key; the loser of such a race loads the
    /// winner's key. An existing file is read with [`MasterKey::from_file`]'s checks.
    pub fn load_or_create_at(dir: &Path) -> Result<Self, VaultError> {
        let path = dir.join(Self::FILE_NAME);
        match std::fs::symlink_metadata(&path) {
            Ok(_) => return Self::from_file(&path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(VaultError::io("read key file", &path, e)),
        }
        private_file::create_dir(dir).map_err(|e| VaultError::io("create directory", dir, e))?;
        let key = Self::generate()?;
        let line = Zeroizing::new(encode_hex_line(&key.bytes));
        match private_file::create_atomically(&path, &line) {
            Ok(()) => Ok(key),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::from_file(&path),
            Err(e) => Err(VaultError::io("create key file", &path, e)),
        }
    }

    /// Creates the key file `path` (mode `0600`, written atomically) with a fresh key; fails if
    /// the file exists, so that no key is ever overwritten.
    pub fn create_file(path: &Path) -> Result<Self, VaultError> {
        let key = Self::generate()?;
        let line = Zeroizing::new(encode_hex_line(&key.bytes));
        private_file::create_atomically(path, &line)
            .map_err(|e| VaultError::io("create key file", path, e))?;
        Ok(key)
    }

    /// A copy, for the one vault a key directory's key is handed to.
    pub(crate) fn clone_key(&self) -> Self {
        Self::from_bytes(*self.bytes)
    }

    /// The key bytes, for the vault's key derivation only.
    pub(crate) fn expose(&self) -> &[u8; 32] {
        &self.bytes
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

fn default_dir() -> Result<PathBuf, VaultError> {
    crate::basics::data_dir().map_err(|_| VaultError::NoDataDir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_key_bytes() {
        let key = MasterKey::from_bytes([0xab; 32]);
        let shown = format!("{key:?} {key:#?}");
        assert_eq!(shown, "MasterKey(..) MasterKey(..)");
    }

    #[test]
    fn generated_keys_differ() {
        let a = MasterKey::generate().unwrap();
        let b = MasterKey::generate().unwrap();
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn missing_env_var_is_reported_by_name() {
        let err = MasterKey::from_env("SIGIL_VAULT_TEST_SURELY_UNSET").unwrap_err();
        assert!(err.to_string().contains("SIGIL_VAULT_TEST_SURELY_UNSET"));
    }
}
