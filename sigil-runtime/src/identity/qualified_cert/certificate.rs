//! A client's leaf certificate read as a qualified certificate: the subject's identifier and
//! country, and its QC statements.
//!
//! Only the fields SIGIL decides on are read, with the DER reader of this module: the chain,
//! signatures, validity and key usage were already checked by rustls' WebPKI verifier before
//! this runs.

use super::der::{
    BOOLEAN, Der, DerError, INTEGER, OCTET_STRING, PRINTABLE_STRING, SEQUENCE, SET, UTF8_STRING,
};
use super::error::QcError;
use super::oids;
use super::statements::QcStatements;
use crate::basics::{Principal, TrustLevel};
use crate::identity::{AuthMethod, Caller};

/// Whether a trust anchor issues qualified certificates (is on an EU trusted list as a
/// qualified trust service) or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnchorKind {
    /// A CA of a qualified trust service provider: certificates under it may reach High.
    Qualified,
    /// Any other CA: certificates under it are at most Low.
    NotQualified,
}

/// `[0] EXPLICIT Version`, `[1] IMPLICIT issuerUniqueID`, `[2] IMPLICIT subjectUniqueID`,
/// `[3] EXPLICIT Extensions` in a `TBSCertificate`.
const VERSION: u8 = 0xa0;
const ISSUER_UID: u8 = 0x81;
const SUBJECT_UID: u8 = 0x82;
const EXTENSIONS: u8 = 0xa3;

/// The longest identifier accepted (`ub-serial-number` of X.520 is 64).
const MAX_ID_LEN: usize = 64;

/// What a client certificate says about its subject, as SIGIL uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QualifiedCertificate {
    /// The subject's `countryName`: two upper-case letters.
    pub country: String,
    /// The subject's `serialNumber` (e.g. `PNODE-123456789`), or its `organizationIdentifier`
    /// (e.g. `VATDE-123456789`) when it has no serial number.
    pub id: String,
    /// The QC statements; all absent when the certificate has no QCStatements extension.
    pub statements: QcStatements,
}

impl QualifiedCertificate {
    /// Reads a DER certificate. Refuses, with the field at fault, a certificate that is not DER,
    /// a malformed QCStatements extension, or a subject without a usable identifier or country.
    pub fn from_der(der: &[u8]) -> Result<Self, QcError> {
        let (subject, extensions) = tbs_fields(der).map_err(QcError::Certificate)?;
        let (country, id) = read_subject(subject)?;
        let mut statements = None;
        if let Some(extensions) = extensions {
            for (oid, value) in read_extensions(extensions).map_err(QcError::Certificate)? {
                if oid == oids::QC_STATEMENTS {
                    if statements.is_some() {
                        return Err(QcError::DuplicateExtension);
                    }
                    statements = Some(QcStatements::parse(value)?);
                }
            }
        }
        Ok(Self {
            country,
            id,
            statements: statements.unwrap_or_default(),
        })
    }

    /// `eidas:qc:<country>:<id>`.
    pub fn principal(&self) -> Principal {
        Principal::EidasQc {
            country: self.country.clone(),
            id: self.id.clone(),
        }
    }

    /// How far a certificate whose chain reached an anchor of kind `anchor` is trusted:
    ///
    /// | anchor        | QcCompliance | QcSSCD | QcType          | trust  |
    /// |---------------|--------------|--------|-----------------|--------|
    /// | qualified     | yes          | yes    | absent or esign/eseal | High   |
    /// | qualified     | yes          | no     | absent or esign/eseal | Medium (substantial) |
    /// | qualified     | yes          | any    | web only        | Low    |
    /// | qualified     | no           | any    | any             | Low    |
    /// | not qualified | any          | any    | any             | Low    |
    pub fn trust(&self, anchor: AnchorKind) -> TrustLevel {
        let s = &self.statements;
        match anchor {
            AnchorKind::NotQualified => TrustLevel::Low,
            AnchorKind::Qualified if !s.compliance || s.web_only() => TrustLevel::Low,
            AnchorKind::Qualified if s.sscd => TrustLevel::High,
            AnchorKind::Qualified => TrustLevel::Medium,
        }
    }

    /// The caller this certificate establishes under an anchor of kind `anchor`: no scopes,
    /// method [`AuthMethod::EidasQc`].
    pub fn caller(&self, anchor: AnchorKind) -> Caller {
        Caller::new(
            self.principal(),
            self.trust(anchor),
            Vec::new(),
            AuthMethod::EidasQc,
        )
    }
}

/// The subject `Name` and the contents of `[3] Extensions` of a DER certificate.
fn tbs_fields(der: &[u8]) -> Result<(&[u8], Option<&[u8]>), DerError> {
    let mut outer = Der::new(der);
    let certificate = outer.expect(SEQUENCE)?;
    outer.finish()?;
    let tbs = Der::new(certificate).expect(SEQUENCE)?;
    let mut t = Der::new(tbs);
    t.optional(VERSION)?;
    t.expect(INTEGER)?; // serialNumber
    t.expect(SEQUENCE)?; // signature
    t.expect(SEQUENCE)?; // issuer
    t.expect(SEQUENCE)?; // validity
    let subject = t.expect(SEQUENCE)?;
    t.expect(SEQUENCE)?; // subjectPublicKeyInfo
    t.optional(ISSUER_UID)?;
    t.optional(SUBJECT_UID)?;
    let extensions = t.optional(EXTENSIONS)?;
    t.finish()?;
    Ok((subject, extensions))
}

/// An extension's `extnID` and the contents of its `extnValue`.
type Extension<'a> = (&'a [u8], &'a [u8]);

/// Each `Extension` in `[3] EXPLICIT Extensions`.
fn read_extensions(explicit: &[u8]) -> Result<Vec<Extension<'_>>, DerError> {
    let mut wrapper = Der::new(explicit);
    let list = wrapper.expect(SEQUENCE)?;
    wrapper.finish()?;
    let mut list = Der::new(list);
    let mut out = Vec::new();
    while !list.is_empty() {
        let mut ext = Der::new(list.expect(SEQUENCE)?);
        let oid = ext.oid()?;
        if ext.peek_tag() == Some(BOOLEAN) {
            ext.boolean()?; // critical
        }
        let value = ext.expect(OCTET_STRING)?;
        ext.finish()?;
        out.push((oid, value));
    }
    Ok(out)
}

/// The subject's country and identifier.
fn read_subject(name: &[u8]) -> Result<(String, String), QcError> {
    let mut serial = None;
    let mut org_id = None;
    let mut country = None;
    let mut rdns = Der::new(name);
    while !rdns.is_empty() {
        let mut set = Der::new(rdns.expect(SET).map_err(QcError::Certificate)?);
        while !set.is_empty() {
            let mut atv = Der::new(set.expect(SEQUENCE).map_err(QcError::Certificate)?);
            let oid = atv.oid().map_err(QcError::Certificate)?;
            let value = atv.any().map_err(QcError::Certificate)?;
            atv.finish().map_err(QcError::Certificate)?;
            let (slot, name, bad) = match oid {
                oids::SERIAL_NUMBER => (&mut serial, "serialNumber", QcError::BadSubjectId),
                oids::ORGANIZATION_IDENTIFIER => {
                    (&mut org_id, "organizationIdentifier", QcError::BadSubjectId)
                }
                oids::COUNTRY => (&mut country, "countryName", QcError::BadCountry),
                _ => continue,
            };
            if slot.is_some() {
                return Err(QcError::DuplicateSubjectAttribute(name));
            }
            let text = match value.tag {
                PRINTABLE_STRING | UTF8_STRING => std::str::from_utf8(value.value).ok(),
                _ => None,
            };
            *slot = Some(text.ok_or(bad)?.to_owned());
        }
    }
    let id = serial.or(org_id).ok_or(QcError::NoSubjectId)?;
    if id.is_empty() || id.len() > MAX_ID_LEN || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(QcError::BadSubjectId);
    }
    let country = country.ok_or(QcError::NoCountry)?;
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(QcError::BadCountry);
    }
    Ok((country, id))
}
