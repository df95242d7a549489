//! Qualified certificates read from real (rcgen-made) X.509 certificates: principal, QC
//! statements, the trust table, malformed input, and chain verification against tagged anchors.

mod qualified_cert_support;

use qualified_cert_support::{
    Ca, LeafSpec, QC_COMPLIANCE, QC_SSCD, QCT_ESEAL, QCT_WEB, Qc, SEMANTICS_LEGAL, oid, seq, tlv,
};
use sigil_runtime::identity::qualified_cert::{
    AnchorKind, ClientCertAuth, DerError, QcError, QcType, QualifiedCertificate, Semantics,
    TrustAnchors,
};
use sigil_runtime::identity::{AuthMethod, TrustLevel};

#[test]
fn a_qualified_signature_certificate_names_its_subject_and_statements() {
    let ca = Ca::new("Test QTSP");
    let leaf = ca.client(&LeafSpec::person(&Qc::qualified_sscd()));
    let cert = QualifiedCertificate::from_der(&leaf.der).unwrap();
    assert_eq!(cert.country, "DE");
    assert_eq!(cert.id, "PNODE-123456789");
    assert!(cert.statements.compliance && cert.statements.sscd);
    assert_eq!(cert.statements.types, vec![QcType::ESign]);
    assert_eq!(cert.statements.semantics, Some(Semantics::Natural));
    assert_eq!(cert.principal().to_string(), "eidas:qc:DE:PNODE-123456789");
    let caller = cert.caller(AnchorKind::Qualified);
    assert_eq!(caller.trust(), TrustLevel::High);
    assert_eq!(caller.method(), AuthMethod::EidasQc);
    assert!(caller.scopes().is_empty());
}

#[test]
fn trust_follows_the_documented_table() {
    use AnchorKind::{NotQualified, Qualified};
    use TrustLevel::{High, Low, Medium};
    let seal = Qc {
        types: vec![QCT_ESEAL],
        semantics: Some(SEMANTICS_LEGAL),
        ..Qc::qualified_sscd()
    };
    let web = Qc {
        types: vec![QCT_WEB],
        ..Qc::qualified_sscd()
    };
    let no_type = Qc {
        types: vec![],
        semantics: None,
        ..Qc::qualified_sscd()
    };
    let sscd_only = Qc {
        compliance: false,
        ..Qc::qualified_sscd()
    };
    let rows: Vec<(&str, Option<Qc>, AnchorKind, TrustLevel)> = vec![
        (
            "QcCompliance+QcSSCD, esign",
            Some(Qc::qualified_sscd()),
            Qualified,
            High,
        ),
        ("QcCompliance+QcSSCD, eseal", Some(seal), Qualified, High),
        (
            "QcCompliance+QcSSCD, no QcType",
            Some(no_type),
            Qualified,
            High,
        ),
        (
            "QcCompliance, no QcSSCD",
            Some(Qc::qualified_no_sscd()),
            Qualified,
            Medium,
        ),
        ("QcCompliance+QcSSCD, web only", Some(web), Qualified, Low),
        (
            "QcSSCD without QcCompliance",
            Some(sscd_only),
            Qualified,
            Low,
        ),
        ("no QCStatements", None, Qualified, Low),
        (
            "QcCompliance+QcSSCD, not qualified anchor",
            Some(Qc::qualified_sscd()),
            NotQualified,
            Low,
        ),
        (
            "no QCStatements, not qualified anchor",
            None,
            NotQualified,
            Low,
        ),
    ];
    let ca = Ca::new("Test CA");
    for (name, qc, anchor, expected) in rows {
        let mut spec = LeafSpec::person(&Qc::default());
        spec.qc_statements = qc.map(|q| q.der());
        let cert = QualifiedCertificate::from_der(&ca.client(&spec).der).unwrap();
        assert_eq!(cert.trust(anchor), expected, "{name}");
    }
}

#[test]
fn subjects_without_a_usable_identifier_or_country_are_refused() {
    let ca = Ca::new("Test QTSP");
    let qc = Qc::qualified_sscd();
    let cases: Vec<(LeafSpec, QcError)> = vec![
        (
            LeafSpec {
                serial_number: None,
                ..LeafSpec::person(&qc)
            },
            QcError::NoSubjectId,
        ),
        (
            LeafSpec {
                country: None,
                ..LeafSpec::person(&qc)
            },
            QcError::NoCountry,
        ),
        (
            LeafSpec {
                country: Some("de".into()),
                ..LeafSpec::person(&qc)
            },
            QcError::BadCountry,
        ),
        (
            LeafSpec {
                serial_number: Some("PNODE 123".into()),
                ..LeafSpec::person(&qc)
            },
            QcError::BadSubjectId,
        ),
        (
            LeafSpec {
                serial_number: Some("X".repeat(65)),
                ..LeafSpec::person(&qc)
            },
            QcError::BadSubjectId,
        ),
    ];
    for (spec, error) in cases {
        let leaf = ca.client(&spec);
        assert_eq!(QualifiedCertificate::from_der(&leaf.der), Err(error));
    }
}

#[test]
fn malformed_qc_statements_are_refused_with_a_clear_error() {
    let ca = Ca::new("Test QTSP");
    let cases: Vec<(Vec<u8>, QcError, &str)> = vec![
        (
            vec![0x30, 0x05, 0x30, 0x03],
            QcError::QcStatements(DerError::Truncated),
            "malformed QCStatements extension: truncated DER",
        ),
        (
            vec![0x04, 0x00],
            QcError::QcStatements(DerError::UnexpectedTag {
                expected: 0x30,
                found: 0x04,
            }),
            "malformed QCStatements extension: expected DER tag 0x30, found 0x04",
        ),
        (
            seq(&[seq(&[oid(QC_SSCD)]), seq(&[oid(QC_SSCD)])]),
            QcError::DuplicateStatement("QcSSCD"),
            "malformed QCStatements extension: QcSSCD appears twice",
        ),
        (
            seq(&[seq(&[oid(QC_COMPLIANCE), tlv(0x01, &[0xff])])]),
            QcError::UnexpectedStatementInfo("QcCompliance"),
            "malformed QCStatements extension: QcCompliance must not carry statementInfo",
        ),
        (
            seq(&[seq(&[oid("0.4.0.1862.1.6"), seq(&[])])]),
            QcError::EmptyQcType,
            "malformed QCStatements extension: QcType is empty",
        ),
        (
            seq(&[seq(&[tlv(0x06, &[])])]),
            QcError::QcStatements(DerError::BadOid),
            "malformed QCStatements extension: malformed OBJECT IDENTIFIER",
        ),
        (
            seq(&[seq(&[oid(QC_SSCD)])])
                .into_iter()
                .chain([0x00])
                .collect(),
            QcError::QcStatements(DerError::TrailingData),
            "malformed QCStatements extension: trailing data after the last element",
        ),
    ];
    for (ext, error, message) in cases {
        let mut spec = LeafSpec::person(&Qc::default());
        spec.qc_statements = Some(ext);
        let refused = QualifiedCertificate::from_der(&ca.client(&spec).der).unwrap_err();
        assert_eq!(refused, error);
        assert_eq!(refused.to_string(), message);
    }
}

#[test]
fn every_prefix_and_every_flipped_byte_of_a_certificate_is_handled_without_panicking() {
    let ca = Ca::new("Test QTSP");
    let der = ca
        .client(&LeafSpec::person(&Qc::qualified_sscd()))
        .der
        .to_vec();
    for len in 0..der.len() {
        assert!(
            QualifiedCertificate::from_der(&der[..len]).is_err(),
            "prefix of {len} bytes"
        );
    }
    for i in 0..der.len() {
        for bit in [0x01, 0x80] {
            let mut flipped = der.clone();
            flipped[i] ^= bit;
            // Accepted or refused, never a panic.
            let _ = QualifiedCertificate::from_der(&flipped);
        }
    }
}

#[test]
fn identify_verifies_the_chain_and_tags_it_by_anchor() {
    let qualified_ca = Ca::new("Qualified QTSP");
    let other_ca = Ca::new("Corporate CA");
    let unknown_ca = Ca::new("Unknown CA");
    let mut anchors = TrustAnchors::new();
    assert_eq!(
        anchors
            .add_pem(qualified_ca.cert.cert_pem.as_bytes(), AnchorKind::Qualified)
            .unwrap(),
        1
    );
    anchors.add_der(other_ca.cert.der.clone(), AnchorKind::NotQualified);
    let auth = ClientCertAuth::new(&anchors).unwrap();
    let spec = LeafSpec::person(&Qc::qualified_sscd());

    let caller = auth.identify(&[qualified_ca.client(&spec).der]).unwrap();
    assert_eq!(caller.trust(), TrustLevel::High);
    assert_eq!(
        caller.principal().to_string(),
        "eidas:qc:DE:PNODE-123456789"
    );

    let caller = auth.identify(&[other_ca.client(&spec).der]).unwrap();
    assert_eq!(caller.trust(), TrustLevel::Low);

    assert_eq!(
        auth.identify(&[unknown_ca.client(&spec).der]),
        Err(QcError::Untrusted)
    );
    let expired = LeafSpec {
        expired: true,
        ..spec.clone()
    };
    assert_eq!(
        auth.identify(&[qualified_ca.client(&expired).der]),
        Err(QcError::Untrusted)
    );
    assert_eq!(auth.identify(&[]), Err(QcError::NoCertificate));
}

#[test]
fn anchors_must_be_certificates() {
    let mut anchors = TrustAnchors::new();
    assert_eq!(
        anchors.add_pem(b"not a pem file", AnchorKind::Qualified),
        Err(QcError::Pem("no CERTIFICATE block found"))
    );
    assert_eq!(
        ClientCertAuth::new(&anchors).unwrap_err(),
        QcError::NoAnchors
    );
    let broken = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
    assert!(matches!(
        anchors.add_pem(broken, AnchorKind::Qualified),
        Err(QcError::Pem(_))
    ));
}

#[test]
fn a_certificate_with_two_qc_statements_extensions_is_refused() {
    let ca = Ca::new("Test QTSP");
    let mut spec = LeafSpec::person(&Qc::qualified_sscd());
    // The second extension claims less; which one would count must not be a guess.
    let weaker = Qc::qualified_no_sscd().der();
    spec.extra_qc_statements = Some(weaker);
    assert_eq!(
        QualifiedCertificate::from_der(&ca.client(&spec).der),
        Err(QcError::DuplicateExtension)
    );
}

#[test]
fn a_critical_qc_statements_extension_is_read_but_webpki_refuses_the_chain() {
    let ca = Ca::new("Test QTSP");
    let mut spec = LeafSpec::person(&Qc::qualified_sscd());
    spec.critical_qc_statements = true;
    let leaf = ca.client(&spec);
    let cert = QualifiedCertificate::from_der(&leaf.der).unwrap();
    assert!(cert.statements.compliance && cert.statements.sscd);
    let mut anchors = TrustAnchors::new();
    anchors.add_der(ca.cert.der.clone(), AnchorKind::Qualified);
    let auth = ClientCertAuth::new(&anchors).unwrap();
    // rustls' WebPKI refuses any critical extension it does not know.
    assert_eq!(auth.identify(&[leaf.der]), Err(QcError::Untrusted));
}

mod arbitrary_input {
    use std::sync::OnceLock;

    use proptest::prelude::*;

    use super::*;

    fn qualified_der() -> &'static [u8] {
        static DER: OnceLock<Vec<u8>> = OnceLock::new();
        DER.get_or_init(|| {
            Ca::new("Test QTSP")
                .client(&LeafSpec::person(&Qc::qualified_sscd()))
                .der
                .to_vec()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_are_an_error_or_a_certificate_never_a_panic(
            bytes in prop::collection::vec(any::<u8>(), 0..512)
        ) {
            let _ = QualifiedCertificate::from_der(&bytes);
        }

        #[test]
        fn overwritten_spans_of_a_real_certificate_never_panic(
            pos in any::<prop::sample::Index>(),
            patch in prop::collection::vec(any::<u8>(), 1..8),
        ) {
            let mut der = qualified_der().to_vec();
            let start = pos.index(der.len());
            for (i, b) in patch.iter().enumerate() {
                if let Some(byte) = der.get_mut(start + i) {
                    *byte = *b;
                }
            }
            if let Ok(cert) = QualifiedCertificate::from_der(&der) {
                // Whatever was read obeys the subject rules.
                prop_assert_eq!(cert.country.len(), 2);
                prop_assert!(!cert.id.is_empty() && cert.id.len() <= 64);
            }
        }
    }
}
