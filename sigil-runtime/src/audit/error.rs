//! The audit subsystem's error type. No variant carries key material.

use std::fmt;
use std::path::PathBuf;

use crate::basics::private_file::NotPrivate;

/// What went wrong opening, writing or reading an audit log or its keys.
#[derive(Debug)]
#[non_exhaustive]
pub enum AuditError {
    /// A file operation failed.
    Io {
        /// What was being done (`"open log"`, `"write record"`, ...).
        op: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A key or state file is not private: others may read it, or it is not ours.
    NotPrivate {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: NotPrivate,
    },
    /// A key file is not in the expected format.
    BadKeyFile {
        /// The file.
        path: PathBuf,
        /// What is wrong, without the key.
        problem: &'static str,
    },
    /// A key file already exists and overwriting was not asked for.
    KeyExists {
        /// The file.
        path: PathBuf,
    },
    /// Another writer holds the log.
    Locked {
        /// The log.
        path: PathBuf,
    },
    /// The existing log or its state cannot be continued.
    CorruptLog {
        /// The file.
        path: PathBuf,
        /// Why.
        problem: &'static str,
    },
    /// The MAC key given does not seal the existing log's last record.
    KeyMismatch {
        /// The log.
        path: PathBuf,
    },
    /// Checkpoints were given to the verifier without a public key to check them.
    CheckpointKeyMissing,
    /// No default key directory: neither `$XDG_DATA_HOME` nor `$HOME` is set.
    NoKeyDir,
    /// The operating system's random generator failed.
    Random,
    /// The log was closed, or an earlier failure left it unusable.
    Closed,
    /// A sink that is not a file (a custom [`AuditSink`](super::AuditSink)) could not record.
    Unavailable(std::io::Error),
    /// A replica name that is not 1 to 64 letters, digits, `.`, `_` or `-`.
    BadReplicaName(String),
}

impl fmt::Display for AuditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { op, path, source } => write!(f, "{op} {}: {source}", path.display()),
            Self::NotPrivate { path, reason } => {
                write!(f, "refusing secret file {}: {reason}", path.display())
            }
            Self::BadKeyFile { path, problem } => {
                write!(f, "key file {}: {problem}", path.display())
            }
            Self::KeyExists { path } => {
                write!(
                    f,
                    "{} exists; refusing to overwrite it (use --force)",
                    path.display()
                )
            }
            Self::Locked { path } => write!(f, "{} is held by another writer", path.display()),
            Self::CorruptLog { path, problem } => {
                write!(f, "cannot continue {}: {problem}", path.display())
            }
            Self::KeyMismatch { path } => {
                write!(
                    f,
                    "the MAC key does not match the last record of {}",
                    path.display()
                )
            }
            Self::CheckpointKeyMissing => {
                f.write_str("checkpoints given but no public key to verify them")
            }
            Self::NoKeyDir => {
                f.write_str("no key directory: set XDG_DATA_HOME or HOME, or pass one")
            }
            Self::Random => f.write_str("the system random number generator failed"),
            Self::BadReplicaName(name) => write!(
                f,
                "replica name {name:?}: use 1 to 64 letters, digits, `.`, `_` or `-`"
            ),
            Self::Closed => f.write_str("the audit log is closed"),
            Self::Unavailable(e) => write!(f, "audit trail unavailable: {e}"),
        }
    }
}

impl std::error::Error for AuditError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } | Self::Unavailable(source) => Some(source),
            _ => None,
        }
    }
}

impl AuditError {
    pub(crate) fn io(
        op: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { op, path, source }
    }
}
