//! The QCStatements extension: RFC 3739 §3.2.6 with the statements of ETSI EN 319 412-5 and the
//! semantics identifiers of ETSI EN 319 412-1.
//!
//! ```text
//! QCStatements ::= SEQUENCE OF QCStatement
//! QCStatement  ::= SEQUENCE { statementId OBJECT IDENTIFIER, statementInfo ANY OPTIONAL }
//! QcType       ::= SEQUENCE OF OBJECT IDENTIFIER          -- esign, eseal, web
//! SemanticsInformation ::= SEQUENCE {                     -- in id-qcs-pkixQCSyntax-v1/v2
//!     semanticsIdentifier OBJECT IDENTIFIER OPTIONAL,
//!     nameRegistrationAuthorities GeneralNames OPTIONAL }
//! ```
//!
//! Strict where it matters for trust: a statement appearing twice, `QcCompliance` or `QcSSCD`
//! carrying information, an empty `QcType`, or any DER error is a malformed extension. Statements
//! this module does not know (`QcLimitValue`, `QcPDS`, ...) are checked for shape and ignored.

use super::der::{Der, DerError, SEQUENCE};
use super::error::QcError;
use super::oids;

/// What a qualified certificate is for (`QcType`, ETSI EN 319 412-5 §4.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum QcType {
    /// Electronic signatures of a natural person (`id-etsi-qct-esign`).
    ESign,
    /// Electronic seals of a legal person (`id-etsi-qct-eseal`).
    ESeal,
    /// Website authentication (`id-etsi-qct-web`).
    Web,
}

/// Whom the subject's identifier names (ETSI EN 319 412-1 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Semantics {
    /// A natural person (`id-etsi-qcs-semanticsId-Natural` or `-eIDASNatural`).
    Natural,
    /// A legal person (`id-etsi-qcs-semanticsId-Legal` or `-eIDASLegal`).
    Legal,
}

/// The QC statements of a certificate that decide how far it is trusted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct QcStatements {
    /// `QcCompliance`: issued as an EU qualified certificate.
    pub compliance: bool,
    /// `QcSSCD`: the private key lives in a qualified signature/seal creation device.
    pub sscd: bool,
    /// `QcType`, known types only; empty when the statement is absent.
    pub types: Vec<QcType>,
    /// The semantics identifier, when a known one is present.
    pub semantics: Option<Semantics>,
}

impl QcStatements {
    /// Parses the contents of the extension's `extnValue` OCTET STRING.
    pub(crate) fn parse(extn_value: &[u8]) -> Result<Self, QcError> {
        let mut outer = Der::new(extn_value);
        let list = outer.expect(SEQUENCE).map_err(QcError::QcStatements)?;
        outer.finish().map_err(QcError::QcStatements)?;
        let mut out = Self::default();
        let mut seen: Vec<&[u8]> = Vec::new();
        let mut statements = Der::new(list);
        while !statements.is_empty() {
            let statement = statements.expect(SEQUENCE).map_err(QcError::QcStatements)?;
            let mut fields = Der::new(statement);
            let id = fields.oid().map_err(QcError::QcStatements)?;
            let info = if fields.is_empty() {
                None
            } else {
                Some(fields.any().map_err(QcError::QcStatements)?)
            };
            fields.finish().map_err(QcError::QcStatements)?;
            if seen.contains(&id) {
                return Err(QcError::DuplicateStatement(statement_name(id)));
            }
            seen.push(id);
            match id {
                oids::QC_COMPLIANCE | oids::QC_SSCD => {
                    if info.is_some() {
                        return Err(QcError::UnexpectedStatementInfo(statement_name(id)));
                    }
                    if id == oids::QC_COMPLIANCE {
                        out.compliance = true;
                    } else {
                        out.sscd = true;
                    }
                }
                oids::QC_TYPE => {
                    let info = info.ok_or(QcError::EmptyQcType)?;
                    out.types = parse_types(info.tag, info.value)?;
                }
                oids::PKIX_QC_SYNTAX_V1 | oids::PKIX_QC_SYNTAX_V2 => {
                    if let Some(info) = info {
                        out.semantics = parse_semantics(info.tag, info.value)?;
                    }
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// Whether `QcType` says the certificate is only for websites (a QWAC), not for signing or
    /// sealing: such a certificate does not identify the caller as a signatory.
    pub fn web_only(&self) -> bool {
        !self.types.is_empty() && self.types.iter().all(|t| *t == QcType::Web)
    }
}

fn parse_types(tag: u8, value: &[u8]) -> Result<Vec<QcType>, QcError> {
    if tag != SEQUENCE {
        return Err(QcError::QcStatements(DerError::UnexpectedTag {
            expected: SEQUENCE,
            found: tag,
        }));
    }
    let mut list = Der::new(value);
    if list.is_empty() {
        return Err(QcError::EmptyQcType);
    }
    let mut types = Vec::new();
    while !list.is_empty() {
        let t = match list.oid().map_err(QcError::QcStatements)? {
            oids::QCT_ESIGN => QcType::ESign,
            oids::QCT_ESEAL => QcType::ESeal,
            oids::QCT_WEB => QcType::Web,
            _ => continue,
        };
        if !types.contains(&t) {
            types.push(t);
        }
    }
    Ok(types)
}

fn parse_semantics(tag: u8, value: &[u8]) -> Result<Option<Semantics>, QcError> {
    if tag != SEQUENCE {
        return Err(QcError::QcStatements(DerError::UnexpectedTag {
            expected: SEQUENCE,
            found: tag,
        }));
    }
    let mut fields = Der::new(value);
    let id = fields
        .optional(super::der::OID)
        .map_err(QcError::QcStatements)?;
    // nameRegistrationAuthorities (GeneralNames) may follow; it decides nothing here.
    fields.optional(SEQUENCE).map_err(QcError::QcStatements)?;
    fields.finish().map_err(QcError::QcStatements)?;
    Ok(match id {
        Some(oids::SEMANTICS_NATURAL | oids::SEMANTICS_EIDAS_NATURAL) => Some(Semantics::Natural),
        Some(oids::SEMANTICS_LEGAL | oids::SEMANTICS_EIDAS_LEGAL) => Some(Semantics::Legal),
        _ => None,
    })
}

fn statement_name(id: &[u8]) -> &'static str {
    match id {
        oids::QC_COMPLIANCE => "QcCompliance",
        oids::QC_SSCD => "QcSSCD",
        oids::QC_TYPE => "QcType",
        oids::PKIX_QC_SYNTAX_V1 | oids::PKIX_QC_SYNTAX_V2 => "the semantics information",
        _ => "a QC statement",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
        assert!(value.len() < 0x80);
        let mut out = vec![tag, value.len() as u8];
        out.extend_from_slice(value);
        out
    }

    fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
        tlv(SEQUENCE, &parts.concat())
    }

    fn oid(bytes: &[u8]) -> Vec<u8> {
        tlv(0x06, bytes)
    }

    fn statement(id: &[u8], info: Option<Vec<u8>>) -> Vec<u8> {
        let mut parts = vec![oid(id)];
        parts.extend(info);
        seq(&parts)
    }

    #[test]
    fn reads_compliance_sscd_type_and_semantics() {
        let ext = seq(&[
            statement(oids::QC_COMPLIANCE, None),
            statement(oids::QC_SSCD, None),
            statement(
                oids::QC_TYPE,
                Some(seq(&[oid(oids::QCT_ESIGN), oid(&[0x2a, 0x03])])),
            ),
            statement(
                oids::PKIX_QC_SYNTAX_V2,
                Some(seq(&[oid(oids::SEMANTICS_NATURAL)])),
            ),
            // QcRetentionPeriod 0.4.0.1862.1.3 with an INTEGER: unknown here, ignored.
            statement(
                &[0x04, 0x00, 0x8e, 0x46, 0x01, 0x03],
                Some(tlv(0x02, &[20])),
            ),
        ]);
        let s = QcStatements::parse(&ext).unwrap();
        assert!(s.compliance && s.sscd);
        assert_eq!(s.types, vec![QcType::ESign]);
        assert_eq!(s.semantics, Some(Semantics::Natural));
        assert!(!s.web_only());
    }

    #[test]
    fn an_empty_list_states_nothing() {
        let s = QcStatements::parse(&seq(&[])).unwrap();
        assert_eq!(s, QcStatements::default());
    }

    #[test]
    fn web_only_certificates_are_told_apart() {
        let ext = seq(&[
            statement(oids::QC_COMPLIANCE, None),
            statement(oids::QC_TYPE, Some(seq(&[oid(oids::QCT_WEB)]))),
        ]);
        assert!(QcStatements::parse(&ext).unwrap().web_only());
    }

    #[test]
    fn malformed_extensions_are_refused_with_what_is_wrong() {
        let cases: Vec<(Vec<u8>, QcError)> = vec![
            (vec![], QcError::QcStatements(DerError::Truncated)),
            (
                vec![0x30, 0x05, 0x30],
                QcError::QcStatements(DerError::Truncated),
            ),
            (
                [seq(&[]), vec![0]].concat(),
                QcError::QcStatements(DerError::TrailingData),
            ),
            (
                seq(&[tlv(0x02, &[1])]),
                QcError::QcStatements(DerError::UnexpectedTag {
                    expected: SEQUENCE,
                    found: 0x02,
                }),
            ),
            (
                seq(&[
                    statement(oids::QC_SSCD, None),
                    statement(oids::QC_SSCD, None),
                ]),
                QcError::DuplicateStatement("QcSSCD"),
            ),
            (
                seq(&[statement(oids::QC_COMPLIANCE, Some(tlv(0x05, &[])))]),
                QcError::UnexpectedStatementInfo("QcCompliance"),
            ),
            (
                seq(&[statement(oids::QC_TYPE, Some(seq(&[])))]),
                QcError::EmptyQcType,
            ),
            (seq(&[statement(oids::QC_TYPE, None)]), QcError::EmptyQcType),
            (
                seq(&[statement(oids::QC_TYPE, Some(oid(oids::QCT_ESIGN)))]),
                QcError::QcStatements(DerError::UnexpectedTag {
                    expected: SEQUENCE,
                    found: 0x06,
                }),
            ),
            (
                seq(&[seq(&[oid(oids::QC_SSCD), tlv(0x05, &[]), tlv(0x05, &[])])]),
                QcError::QcStatements(DerError::TrailingData),
            ),
            (
                seq(&[statement(
                    oids::PKIX_QC_SYNTAX_V2,
                    Some(seq(&[oid(oids::SEMANTICS_LEGAL), tlv(0x02, &[1])])),
                )]),
                QcError::QcStatements(DerError::TrailingData),
            ),
        ];
        for (input, error) in cases {
            assert_eq!(
                QcStatements::parse(&input).unwrap_err(),
                error,
                "{input:02x?}"
            );
            assert!(!error.to_string().is_empty());
        }
    }

    #[test]
    fn every_truncation_of_a_valid_extension_is_an_error_not_a_panic() {
        let ext = seq(&[
            statement(oids::QC_COMPLIANCE, None),
            statement(oids::QC_TYPE, Some(seq(&[oid(oids::QCT_ESEAL)]))),
            statement(
                oids::PKIX_QC_SYNTAX_V2,
                Some(seq(&[oid(oids::SEMANTICS_LEGAL)])),
            ),
        ]);
        assert_eq!(
            QcStatements::parse(&ext).unwrap().semantics,
            Some(Semantics::Legal)
        );
        for len in 0..ext.len() {
            assert!(
                QcStatements::parse(&ext[..len]).is_err(),
                "prefix of {len} bytes"
            );
        }
    }
}
