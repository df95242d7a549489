//! The scanner's error type. Errors name packs, rules and files, never a scanned value or a key.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::basics::private_file::NotPrivate;

/// Everything that can go wrong while loading, signing, verifying or compiling rule packs.
///
/// Scanning itself never fails: any input, however malformed, gives a (possibly empty) list
/// of hits.
#[derive(Debug)]
#[non_exhaustive]
pub enum ScanError {
    /// A pack is not valid TOML or does not have the pack shape.
    PackSyntax {
        /// Where the pack came from (a path, or `<embedded default>`, or `<string>`).
        origin: String,
        /// What the TOML parser said (positions and keys of the pack, no scanned data).
        message: String,
    },
    /// One rule of a pack is wrong (bad regex, unknown kind, unknown validator, ...).
    InvalidRule {
        /// Where the pack came from.
        origin: String,
        /// The rule's id.
        rule: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An `[[allow]]` entry's pattern does not compile.
    InvalidAllow {
        /// Where the pack came from.
        origin: String,
        /// Position of the entry in the pack's `[[allow]]` list, from 0.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// Two rules (in the same pack or in two packs) share an id.
    DuplicateRule {
        /// The id used twice.
        rule: String,
    },
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A pack was required to be signed but its `<pack>.sig` sidecar is missing.
    SignatureMissing {
        /// The pack whose sidecar is missing.
        pack: PathBuf,
    },
    /// A signature sidecar or key file does not have the documented format.
    MalformedSignature {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The pack was signed by a key other than the trusted one.
    UntrustedSigner {
        /// The pack.
        pack: PathBuf,
    },
    /// The signature does not match the pack's bytes: the pack was modified after signing.
    BadSignature {
        /// The pack.
        pack: PathBuf,
    },
    /// A signing key file is not private: others may read it, or it is not ours.
    KeyNotPrivate {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: NotPrivate,
    },
    /// The operating system's random number generator failed.
    Random,
    /// The combined rule set could not be compiled into one automaton.
    Compile {
        /// What the regex engine said.
        reason: String,
    },
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PackSyntax { origin, message } => {
                write!(f, "rule pack {origin}: {message}")
            }
            Self::InvalidRule {
                origin,
                rule,
                reason,
            } => write!(f, "rule pack {origin}: rule `{rule}`: {reason}"),
            Self::InvalidAllow {
                origin,
                index,
                reason,
            } => write!(f, "rule pack {origin}: [[allow]] entry {index}: {reason}"),
            Self::DuplicateRule { rule } => {
                write!(f, "rule id `{rule}` is defined more than once")
            }
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::SignatureMissing { pack } => write!(
                f,
                "rule pack {} must be signed but {}.sig does not exist",
                pack.display(),
                pack.display()
            ),
            Self::MalformedSignature { path, reason } => {
                write!(f, "{}: {reason}", path.display())
            }
            Self::UntrustedSigner { pack } => write!(
                f,
                "rule pack {} is signed by a key other than the trusted public key; refusing it",
                pack.display()
            ),
            Self::BadSignature { pack } => write!(
                f,
                "rule pack {}: signature does not match the pack (modified after signing?); refusing it",
                pack.display()
            ),
            Self::KeyNotPrivate { path, reason } => {
                write!(f, "refusing signing key {}: {reason}", path.display())
            }
            Self::Random => f.write_str("the operating system's random number generator failed"),
            Self::Compile { reason } => write!(f, "compiling the rule set: {reason}"),
        }
    }
}

impl std::error::Error for ScanError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
