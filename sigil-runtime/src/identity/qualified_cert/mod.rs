//! eIDAS qualified certificates presented over mutual TLS.
//!
//! The HTTPS server ([`crate::server::HttpsConfig::client_auth`]) asks every client for a
//! certificate and hands the chain to [`ClientCertAuth`], a rustls client certificate verifier:
//!
//! 1. the chain must reach one of the configured [`TrustAnchors`] (rustls' WebPKI verifier:
//!    signatures, validity period, `clientAuth` usage); anything else fails the handshake;
//! 2. the leaf is read by a small strict DER reader ([`QualifiedCertificate::from_der`]): the
//!    subject's `serialNumber` (2.5.4.5, e.g. `PNODE-123456789`, else `organizationIdentifier`
//!    2.5.4.97) and `countryName`, and the QCStatements extension (RFC 3739) with `QcCompliance`,
//!    `QcSSCD`, `QcType` (ETSI EN 319 412-5) and the semantics identifier (ETSI EN 319 412-1,
//!    inside `id-qcs-pkixQCSyntax-v2`). A malformed extension or subject fails the handshake too,
//!    with an error naming what is wrong;
//! 3. after the handshake, [`ClientCertAuth::identify`] gives the [`Caller`](crate::identity::Caller):
//!    principal `eidas:qc:<C>:<serialNumber>`, method
//!    [`AuthMethod::EidasQc`](crate::identity::AuthMethod::EidasQc), no scopes, and a trust
//!    level from the table on [`QualifiedCertificate::trust`]: High only for `QcCompliance` and
//!    `QcSSCD` under an anchor tagged [`AnchorKind::Qualified`].
//!
//! Why a hand-written DER reader rather than `x509-parser`: four fields are read, rustls has
//! already verified the certificate, and the reader (under 200 lines, bounds-checked, no
//! `unsafe`) adds no dependency; `x509-parser` would add about ten crates to the runtime.
//!
//! Not done here: revocation (CRL/OCSP) and EU trusted-list parsing; the operator decides which
//! CA certificates are qualified anchors.

mod certificate;
mod client_auth;
mod der;
mod error;
mod oids;
mod statements;

pub use certificate::{AnchorKind, QualifiedCertificate};
pub use client_auth::{ClientCertAuth, TrustAnchors};
pub use der::DerError;
pub use error::QcError;
pub use statements::{QcStatements, QcType, Semantics};
