//! Why a server could not be built or set up for HTTPS: the one error of starting a server.

use std::fmt;
use std::path::PathBuf;

use crate::basics::private_file::NotPrivate;
use crate::config::ConfigError;
use crate::identity::qualified_cert::QcError;
use crate::server::Dangerous;

/// Why a server could not be built ([`SigilServerBuilder::build`](super::SigilServerBuilder))
/// or its HTTPS set up ([`HttpsConfig`](super::HttpsConfig)). Never contains key material.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// A tool is malformed (schema, name, annotations).
    Tool(String),
    /// Two tools share a name.
    DuplicateTool(String),
    /// The configuration is invalid.
    Config(ConfigError),
    /// The OS random number generator failed.
    Random,
    /// A safe default was given up without saying so: a guard that does not scan, or an audit
    /// sink that does not outlive the process, without the matching [`Dangerous`] step.
    Undeclared(Dangerous),
    /// A safe default could not be set up: the default scanner, the vault key or the audit log
    /// in the data directory.
    Defaults(String),
    /// A certificate or key file could not be read.
    TlsFile {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The private key file is not private: others may read it, or it is not ours.
    KeyFileNotPrivate {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: NotPrivate,
    },
    /// The certificate PEM holds no `CERTIFICATE` block, or a malformed one.
    Certificate,
    /// The key PEM holds no private key (PKCS#8, PKCS#1 or SEC1), or a malformed one.
    Key,
    /// rustls refused the certificate and key (e.g. they do not match).
    Rustls(rustls::Error),
    /// The client certificate trust anchors are unusable.
    ClientAuth(QcError),
    /// The shared state or the key directory cannot be used: a store that does not answer, a
    /// shared store without a key directory, a key directory that does not load.
    State(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tool(m) => f.write_str(m),
            Self::DuplicateTool(n) => write!(f, "two tools are named `{n}`"),
            Self::Config(e) => e.fmt(f),
            Self::Random => f.write_str("the OS random number generator failed"),
            Self::Undeclared(Dangerous::NoScanning) => f.write_str(
                "the guard does not scan: give up scanning explicitly with \
                 .dangerous(Dangerous::NoScanning), or leave the default scanner",
            ),
            Self::Undeclared(Dangerous::MemoryAudit) => f.write_str(
                "the audit sink does not outlive the process: give up a durable audit trail \
                 explicitly with .dangerous(Dangerous::MemoryAudit), or leave the default log",
            ),
            Self::Defaults(m) => f.write_str(m),
            Self::TlsFile { path, source } => {
                write!(f, "tls: cannot read {}: {source}", path.display())
            }
            Self::KeyFileNotPrivate { path, reason } => {
                write!(f, "tls: refusing key file {}: {reason}", path.display())
            }
            Self::Certificate => {
                f.write_str("tls: no valid CERTIFICATE block in the certificate file")
            }
            Self::Key => f.write_str("tls: no valid private key block in the key file"),
            Self::Rustls(e) => write!(f, "tls: {e}"),
            Self::ClientAuth(e) => write!(f, "mtls: {e}"),
            Self::State(m) => write!(f, "shared state: {m}"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Config(e) => Some(e),
            Self::TlsFile { source, .. } => Some(source),
            Self::Rustls(e) => Some(e),
            Self::ClientAuth(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ConfigError> for BuildError {
    fn from(e: ConfigError) -> Self {
        Self::Config(e)
    }
}
