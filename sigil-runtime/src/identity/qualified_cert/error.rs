//! Why a client certificate gives no caller, or why trust anchors could not be set up.
//!
//! Nothing here carries certificate bytes or key material: only fixed texts and the names of
//! the fields at fault.

use std::fmt;

use super::der::DerError;

/// Why a client certificate was refused, or the trust anchors could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QcError {
    /// The TLS connection carries no client certificate.
    NoCertificate,
    /// The certificate does not chain to a configured anchor, or is expired, or otherwise
    /// invalid for client authentication.
    Untrusted,
    /// The certificate itself is not the DER structure of RFC 5280.
    Certificate(DerError),
    /// The QCStatements extension (RFC 3739, ETSI EN 319 412-5) is not valid DER of its
    /// structure.
    QcStatements(DerError),
    /// The QCStatements extension appears more than once.
    DuplicateExtension,
    /// A QC statement appears more than once.
    DuplicateStatement(&'static str),
    /// A statement that has no `statementInfo` by its definition carries one.
    UnexpectedStatementInfo(&'static str),
    /// `QcType` lists no type.
    EmptyQcType,
    /// An attribute the principal is built from appears more than once in the subject.
    DuplicateSubjectAttribute(&'static str),
    /// The subject has neither `serialNumber` (2.5.4.5) nor `organizationIdentifier` (2.5.4.97).
    NoSubjectId,
    /// The subject's identifier is not 1 to 64 printable ASCII characters.
    BadSubjectId,
    /// The subject has no `countryName` (2.5.4.6).
    NoCountry,
    /// The subject's `countryName` is not two upper-case letters.
    BadCountry,
    /// A PEM input holds something that is not a certificate, or no certificate at all.
    Pem(&'static str),
    /// No trust anchor was configured.
    NoAnchors,
    /// rustls refused to build a verifier from the anchors (e.g. an anchor it cannot parse).
    Verifier(String),
}

impl fmt::Display for QcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoCertificate => f.write_str("no client certificate was presented"),
            Self::Untrusted => f.write_str(
                "client certificate does not chain to a configured trust anchor, or is expired or not valid for client authentication",
            ),
            Self::Certificate(e) => write!(f, "client certificate is not valid DER: {e}"),
            Self::QcStatements(e) => write!(f, "malformed QCStatements extension: {e}"),
            Self::DuplicateExtension => {
                f.write_str("malformed certificate: the QCStatements extension appears twice")
            }
            Self::DuplicateStatement(s) => {
                write!(f, "malformed QCStatements extension: {s} appears twice")
            }
            Self::UnexpectedStatementInfo(s) => write!(
                f,
                "malformed QCStatements extension: {s} must not carry statementInfo"
            ),
            Self::EmptyQcType => f.write_str("malformed QCStatements extension: QcType is empty"),
            Self::DuplicateSubjectAttribute(a) => {
                write!(f, "client certificate subject has {a} more than once")
            }
            Self::NoSubjectId => f.write_str(
                "client certificate subject has no serialNumber (2.5.4.5) or organizationIdentifier (2.5.4.97)",
            ),
            Self::BadSubjectId => f.write_str(
                "client certificate subject identifier is not 1 to 64 printable ASCII characters",
            ),
            Self::NoCountry => f.write_str("client certificate subject has no countryName"),
            Self::BadCountry => {
                f.write_str("client certificate subject countryName is not two upper-case letters")
            }
            Self::Pem(what) => write!(f, "trust anchors: {what}"),
            Self::NoAnchors => f.write_str("trust anchors: none configured"),
            Self::Verifier(e) => write!(f, "trust anchors: {e}"),
        }
    }
}

impl std::error::Error for QcError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Certificate(e) | Self::QcStatements(e) => Some(e),
            _ => None,
        }
    }
}
