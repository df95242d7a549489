//! A test PKI for qualified certificates: CAs, server and client certificates made with rcgen,
//! with QCStatements extensions written here byte by byte (so tests can also break them).

#![allow(dead_code, unreachable_pub)] // each test file uses a part

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DnType, DnValue, ExtendedKeyUsagePurpose,
    IsCa, Issuer, KeyPair, KeyUsagePurpose, string::PrintableString,
};
use rustls_pki_types::CertificateDer;

/// `id-pe-qcStatements`.
pub const QC_STATEMENTS: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 1, 3];
pub const QC_COMPLIANCE: &str = "0.4.0.1862.1.1";
pub const QC_SSCD: &str = "0.4.0.1862.1.4";
pub const QC_TYPE: &str = "0.4.0.1862.1.6";
pub const QCT_ESIGN: &str = "0.4.0.1862.1.6.1";
pub const QCT_ESEAL: &str = "0.4.0.1862.1.6.2";
pub const QCT_WEB: &str = "0.4.0.1862.1.6.3";
pub const PKIX_QC_SYNTAX_V2: &str = "1.3.6.1.5.5.7.11.2";
pub const SEMANTICS_NATURAL: &str = "0.4.0.194121.1.1";
pub const SEMANTICS_LEGAL: &str = "0.4.0.194121.1.2";

/// One DER element (any length).
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

pub fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// An OBJECT IDENTIFIER element from its dotted form.
pub fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().unwrap()).collect();
    let mut content = Vec::new();
    for arc in std::iter::once(arcs[0] * 40 + arcs[1]).chain(arcs[2..].iter().copied()) {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            groups.push((rest & 0x7f) as u8 | 0x80);
            rest >>= 7;
        }
        content.extend(groups.iter().rev());
    }
    tlv(0x06, &content)
}

/// The QC statements to put into a certificate.
#[derive(Debug, Clone, Default)]
pub struct Qc {
    pub compliance: bool,
    pub sscd: bool,
    pub types: Vec<&'static str>,
    pub semantics: Option<&'static str>,
}

impl Qc {
    /// An EU qualified certificate for e-signatures with its key on a QSCD.
    pub fn qualified_sscd() -> Self {
        Self {
            compliance: true,
            sscd: true,
            types: vec![QCT_ESIGN],
            semantics: Some(SEMANTICS_NATURAL),
        }
    }

    /// The same without `QcSSCD`.
    pub fn qualified_no_sscd() -> Self {
        Self {
            sscd: false,
            ..Self::qualified_sscd()
        }
    }

    /// The `extnValue` contents: `QCStatements`.
    pub fn der(&self) -> Vec<u8> {
        let mut statements = Vec::new();
        if self.compliance {
            statements.push(seq(&[oid(QC_COMPLIANCE)]));
        }
        if self.sscd {
            statements.push(seq(&[oid(QC_SSCD)]));
        }
        if !self.types.is_empty() {
            let types: Vec<Vec<u8>> = self.types.iter().map(|t| oid(t)).collect();
            statements.push(seq(&[oid(QC_TYPE), seq(&types)]));
        }
        if let Some(s) = self.semantics {
            statements.push(seq(&[oid(PKIX_QC_SYNTAX_V2), seq(&[oid(s)])]));
        }
        seq(&statements)
    }
}

/// What a client certificate holds.
#[derive(Debug, Clone)]
pub struct LeafSpec {
    pub serial_number: Option<String>,
    pub country: Option<String>,
    /// Raw `extnValue` contents of the QCStatements extension; `None` for no extension.
    pub qc_statements: Option<Vec<u8>>,
    /// A second QCStatements extension (a malformed certificate).
    pub extra_qc_statements: Option<Vec<u8>>,
    /// Mark the QCStatements extension critical.
    pub critical_qc_statements: bool,
    pub expired: bool,
}

impl LeafSpec {
    /// `PNODE-123456789` in `DE` with these QC statements.
    pub fn person(qc: &Qc) -> Self {
        Self {
            serial_number: Some("PNODE-123456789".into()),
            country: Some("DE".into()),
            qc_statements: Some(qc.der()),
            extra_qc_statements: None,
            critical_qc_statements: false,
            expired: false,
        }
    }
}

/// A certificate and its key, DER and PEM.
pub struct Issued {
    pub der: CertificateDer<'static>,
    pub cert_pem: String,
    pub key_pem: String,
}

impl Issued {
    /// Certificate then key, as `reqwest::Identity::from_pem` wants them.
    pub fn identity_pem(&self) -> String {
        format!("{}{}", self.cert_pem, self.key_pem)
    }
}

/// A certificate authority.
pub struct Ca {
    pub cert: Issued,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    pub fn new(common_name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.distinguished_name.push(DnType::CountryName, "DE");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let cert = Issued {
            der: cert.der().clone(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        };
        Self {
            cert,
            issuer: Issuer::new(params, key),
        }
    }

    /// A server certificate for `127.0.0.1` and `localhost`.
    pub fn server(&self) -> Issued {
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.sign(params)
    }

    /// A client certificate.
    pub fn client(&self, spec: &LeafSpec) -> Issued {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "Erika Mustermann");
        if let Some(serial) = &spec.serial_number {
            params.distinguished_name.push(
                DnType::CustomDnType(vec![2, 5, 4, 5]),
                DnValue::PrintableString(PrintableString::try_from(serial.as_str()).unwrap()),
            );
        }
        if let Some(c) = &spec.country {
            params.distinguished_name.push(
                DnType::CountryName,
                DnValue::PrintableString(PrintableString::try_from(c.as_str()).unwrap()),
            );
        }
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        if let Some(qc) = &spec.qc_statements {
            let mut ext = CustomExtension::from_oid_content(QC_STATEMENTS, qc.clone());
            ext.set_criticality(spec.critical_qc_statements);
            params.custom_extensions.push(ext);
        }
        if let Some(qc) = &spec.extra_qc_statements {
            params
                .custom_extensions
                .push(CustomExtension::from_oid_content(QC_STATEMENTS, qc.clone()));
        }
        if spec.expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        self.sign(params)
    }

    fn sign(&self, params: CertificateParams) -> Issued {
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Issued {
            der: cert.der().clone(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}
