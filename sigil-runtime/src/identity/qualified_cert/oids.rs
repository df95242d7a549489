//! The object identifiers this module reads, as the contents bytes of their DER encoding.

/// `id-pe-qcStatements` (RFC 3739): the QCStatements certificate extension.
pub(crate) const QC_STATEMENTS: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x03]; // 1.3.6.1.5.5.7.1.3
/// `id-etsi-qcs-QcCompliance` (ETSI EN 319 412-5): an EU qualified certificate.
pub(crate) const QC_COMPLIANCE: &[u8] = &[0x04, 0x00, 0x8e, 0x46, 0x01, 0x01]; // 0.4.0.1862.1.1
/// `id-etsi-qcs-QcSSCD`: the private key is in a qualified signature/seal creation device.
pub(crate) const QC_SSCD: &[u8] = &[0x04, 0x00, 0x8e, 0x46, 0x01, 0x04]; // 0.4.0.1862.1.4
/// `id-etsi-qcs-QcType`: what the certificate is for.
pub(crate) const QC_TYPE: &[u8] = &[0x04, 0x00, 0x8e, 0x46, 0x01, 0x06]; // 0.4.0.1862.1.6
/// `id-etsi-qct-esign`.
pub(crate) const QCT_ESIGN: &[u8] = &[0x04, 0x00, 0x8e, 0x46, 0x01, 0x06, 0x01]; // 0.4.0.1862.1.6.1
/// `id-etsi-qct-eseal`.
pub(crate) const QCT_ESEAL: &[u8] = &[0x04, 0x00, 0x8e, 0x46, 0x01, 0x06, 0x02]; // 0.4.0.1862.1.6.2
/// `id-etsi-qct-web`.
pub(crate) const QCT_WEB: &[u8] = &[0x04, 0x00, 0x8e, 0x46, 0x01, 0x06, 0x03]; // 0.4.0.1862.1.6.3
/// `id-qcs-pkixQCSyntax-v1` (RFC 3739): carries `SemanticsInformation`.
pub(crate) const PKIX_QC_SYNTAX_V1: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x0b, 0x01]; // 1.3.6.1.5.5.7.11.1
/// `id-qcs-pkixQCSyntax-v2` (RFC 3739): carries `SemanticsInformation`.
pub(crate) const PKIX_QC_SYNTAX_V2: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x0b, 0x02]; // 1.3.6.1.5.5.7.11.2
/// `id-etsi-qcs-semanticsId-Natural` (ETSI EN 319 412-1).
pub(crate) const SEMANTICS_NATURAL: &[u8] = &[0x04, 0x00, 0x8b, 0xec, 0x49, 0x01, 0x01]; // 0.4.0.194121.1.1
/// `id-etsi-qcs-semanticsId-Legal`.
pub(crate) const SEMANTICS_LEGAL: &[u8] = &[0x04, 0x00, 0x8b, 0xec, 0x49, 0x01, 0x02]; // 0.4.0.194121.1.2
/// `id-etsi-qcs-semanticsId-eIDASNatural`.
pub(crate) const SEMANTICS_EIDAS_NATURAL: &[u8] = &[0x04, 0x00, 0x8b, 0xec, 0x49, 0x01, 0x03]; // 0.4.0.194121.1.3
/// `id-etsi-qcs-semanticsId-eIDASLegal`.
pub(crate) const SEMANTICS_EIDAS_LEGAL: &[u8] = &[0x04, 0x00, 0x8b, 0xec, 0x49, 0x01, 0x04]; // 0.4.0.194121.1.4
/// `id-at-serialNumber` (X.520).
pub(crate) const SERIAL_NUMBER: &[u8] = &[0x55, 0x04, 0x05]; // 2.5.4.5
/// `id-at-countryName`.
pub(crate) const COUNTRY: &[u8] = &[0x55, 0x04, 0x06]; // 2.5.4.6
/// `id-at-organizationIdentifier`.
pub(crate) const ORGANIZATION_IDENTIFIER: &[u8] = &[0x55, 0x04, 0x61]; // 2.5.4.97

#[cfg(test)]
mod tests {
    use super::*;

    /// X.690 §8.19, written independently of the constants above.
    fn encode(dotted: &str) -> Vec<u8> {
        let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().unwrap()).collect();
        let mut out = Vec::new();
        for arc in std::iter::once(arcs[0] * 40 + arcs[1]).chain(arcs[2..].iter().copied()) {
            let mut groups = vec![(arc & 0x7f) as u8];
            let mut rest = arc >> 7;
            while rest > 0 {
                groups.push((rest & 0x7f) as u8 | 0x80);
                rest >>= 7;
            }
            out.extend(groups.iter().rev());
        }
        out
    }

    #[test]
    fn constants_encode_the_dotted_identifiers_of_the_standards() {
        let table: &[(&[u8], &str)] = &[
            (QC_STATEMENTS, "1.3.6.1.5.5.7.1.3"),
            (QC_COMPLIANCE, "0.4.0.1862.1.1"),
            (QC_SSCD, "0.4.0.1862.1.4"),
            (QC_TYPE, "0.4.0.1862.1.6"),
            (QCT_ESIGN, "0.4.0.1862.1.6.1"),
            (QCT_ESEAL, "0.4.0.1862.1.6.2"),
            (QCT_WEB, "0.4.0.1862.1.6.3"),
            (PKIX_QC_SYNTAX_V1, "1.3.6.1.5.5.7.11.1"),
            (PKIX_QC_SYNTAX_V2, "1.3.6.1.5.5.7.11.2"),
            (SEMANTICS_NATURAL, "0.4.0.194121.1.1"),
            (SEMANTICS_LEGAL, "0.4.0.194121.1.2"),
            (SEMANTICS_EIDAS_NATURAL, "0.4.0.194121.1.3"),
            (SEMANTICS_EIDAS_LEGAL, "0.4.0.194121.1.4"),
            (SERIAL_NUMBER, "2.5.4.5"),
            (COUNTRY, "2.5.4.6"),
            (ORGANIZATION_IDENTIFIER, "2.5.4.97"),
        ];
        for (bytes, dotted) in table {
            assert_eq!(*bytes, encode(dotted).as_slice(), "{dotted}");
        }
    }
}
