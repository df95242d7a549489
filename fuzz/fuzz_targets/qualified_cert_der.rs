//! The strict DER reader behind qualified certificates: any bytes as a client certificate, no
//! panic; an accepted certificate gives a well-formed principal. Seeds: any DER certificates in
//! `corpus/qualified_cert_der/` (e.g. written by `tests/python/test_mtls.py`'s PKI).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil_runtime::identity::qualified_cert::{AnchorKind, QualifiedCertificate};

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = QualifiedCertificate::from_der(data) {
        let principal = cert.principal().to_string();
        assert!(principal.starts_with("eidas:qc:"), "{principal}");
        assert!(!principal.chars().any(char::is_control), "{principal:?}");
        let _ = cert.trust(AnchorKind::Qualified);
        let _ = cert.trust(AnchorKind::NotQualified);
    }
});
