//! What can go wrong when setting up or writing to the vault.
//!
//! Refusals to resolve a pointer are not errors: they are [`VaultRefusal`](super::VaultRefusal)s.
//! Nothing here ever carries a key or a stored value.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::basics::private_file::NotPrivate;
use crate::state::StateError;

/// An error from the vault: key loading, storage, or a malformed pointer.
#[derive(Debug)]
#[non_exhaustive]
pub enum VaultError {
    /// A file operation failed.
    Io {
        /// What we were doing (`"read key file"`, `"append to vault file"`, ...).
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// The key file is not private: others may read it, or it is not ours.
    KeyFileNotPrivate {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: NotPrivate,
    },
    /// The key file holds neither 32 raw bytes, nor 64 hex characters, nor base64 of 32 bytes.
    KeyFormat {
        /// Where the key came from: a path, or `env:NAME`.
        source: String,
    },
    /// The environment variable holding the key is not set.
    KeyEnvMissing {
        /// The variable's name.
        var: String,
    },
    /// The environment variable holding the key was already read by this process.
    KeyEnvAlreadyRead {
        /// The variable's name.
        var: String,
    },
    /// Neither `XDG_DATA_HOME` (absolute) nor `HOME` is set, so there is no default key path.
    NoDataDir,
    /// The vault file is not private: others may read it, or it is not ours.
    StoreFileNotPrivate {
        /// The vault file.
        path: PathBuf,
        /// What is wrong with it.
        reason: NotPrivate,
    },
    /// The vault file was written under another master key.
    WrongKey {
        /// The vault file.
        path: PathBuf,
    },
    /// A line of the vault file could not be read as a record.
    StoreFormat {
        /// The vault file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
    },
    /// The operating system's random source failed.
    Random,
    /// Encryption failed (the value is larger than AES-GCM allows).
    Encrypt,
    /// The text is not exactly one well-formed pointer.
    MalformedPointer,
    /// The shared state store holding the records failed.
    State(StateError),
}

impl fmt::Display for VaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { op, path, source } => {
                write!(f, "vault: cannot {op} {}: {source}", path.display())
            }
            Self::KeyFileNotPrivate { path, reason } => {
                write!(f, "vault: refusing key file {}: {reason}", path.display())
            }
            Self::KeyFormat { source } => write!(
                f,
                "vault: the key from {source} is not 32 raw bytes, 64 hex characters, \
                 or base64 of 32 bytes"
            ),
            Self::KeyEnvMissing { var } => {
                write!(f, "vault: the key variable {var} is not set")
            }
            Self::KeyEnvAlreadyRead { var } => {
                write!(f, "vault: the key variable {var} was already read once")
            }
            Self::NoDataDir => f.write_str(
                "vault: no data directory for the default key (set XDG_DATA_HOME or HOME)",
            ),
            Self::StoreFileNotPrivate { path, reason } => {
                write!(f, "vault: refusing vault file {}: {reason}", path.display())
            }
            Self::WrongKey { path } => write!(
                f,
                "vault: the vault file {} was written under a different master key",
                path.display()
            ),
            Self::StoreFormat { path, line } => {
                write!(
                    f,
                    "vault: {} line {line} is not a vault record",
                    path.display()
                )
            }
            Self::Random => f.write_str("vault: the system random source failed"),
            Self::Encrypt => f.write_str("vault: encryption failed"),
            Self::MalformedPointer => f.write_str("vault: not a vault pointer"),
            Self::State(e) => write!(f, "vault: {e}"),
        }
    }
}

impl std::error::Error for VaultError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::State(e) => Some(e),
            _ => None,
        }
    }
}

impl VaultError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            op,
            path: path.into(),
            source,
        }
    }
}
