//! Client certificate authentication: a rustls verifier that checks the chain against tagged
//! trust anchors and the leaf's QC statements, and turns a verified chain into a [`Caller`].

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, OtherError, RootCertStore,
    SignatureScheme,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, UnixTime};

use super::certificate::{AnchorKind, QualifiedCertificate};
use super::error::QcError;
use crate::identity::Caller;

/// The CA certificates a client certificate must chain to, each tagged with its kind.
#[derive(Debug, Clone, Default)]
pub struct TrustAnchors {
    anchors: Vec<(CertificateDer<'static>, AnchorKind)>,
}

impl TrustAnchors {
    /// No anchors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds every `CERTIFICATE` block of `pem` as an anchor of kind `kind`; returns how many.
    /// Fails if a block is not valid base64, or there is none.
    pub fn add_pem(&mut self, pem: &[u8], kind: AnchorKind) -> Result<usize, QcError> {
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|_| QcError::Pem("a CERTIFICATE block is malformed"))?;
            self.anchors.push((cert, kind));
            added += 1;
        }
        if added == 0 {
            return Err(QcError::Pem("no CERTIFICATE block found"));
        }
        Ok(added)
    }

    /// Adds one DER certificate as an anchor of kind `kind`.
    pub fn add_der(&mut self, der: CertificateDer<'static>, kind: AnchorKind) {
        self.anchors.push((der, kind));
    }

    /// How many anchors there are.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    fn store(&self, only: Option<AnchorKind>) -> Result<RootCertStore, QcError> {
        let mut store = RootCertStore::empty();
        for (cert, kind) in &self.anchors {
            if only.is_none_or(|k| k == *kind) {
                store
                    .add(cert.clone())
                    .map_err(|e| QcError::Verifier(e.to_string()))?;
            }
        }
        Ok(store)
    }
}

/// Requires a client certificate that chains to one of the [`TrustAnchors`] (WebPKI path
/// building, validity period, signatures, `clientAuth` key usage) and whose subject and QC
/// statements can be read ([`QualifiedCertificate::from_der`]); anything else fails the TLS
/// handshake. Give it to rustls as the server's client certificate verifier, then call
/// [`identify`](Self::identify) with the handshake's peer certificates.
#[derive(Debug)]
pub struct ClientCertAuth {
    any: Arc<dyn ClientCertVerifier>,
    qualified: Option<Arc<dyn ClientCertVerifier>>,
}

impl ClientCertAuth {
    /// A verifier for `anchors`, using rustls' `ring` provider.
    pub fn new(anchors: &TrustAnchors) -> Result<Self, QcError> {
        if anchors.is_empty() {
            return Err(QcError::NoAnchors);
        }
        let provider = crate::basics::tls_provider();
        let build = |store: RootCertStore| {
            WebPkiClientVerifier::builder_with_provider(Arc::new(store), provider.clone())
                .build()
                .map_err(|e| QcError::Verifier(e.to_string()))
        };
        let any = build(anchors.store(None)?)?;
        let qualified_store = anchors.store(Some(AnchorKind::Qualified))?;
        let qualified = if qualified_store.is_empty() {
            None
        } else {
            Some(build(qualified_store)?)
        };
        Ok(Self { any, qualified })
    }

    /// The caller a client's chain (leaf first, as the handshake's peer certificates)
    /// establishes: its principal from the leaf's subject, its trust from the QC statements and
    /// whether the chain reaches a qualified anchor (see [`QualifiedCertificate::trust`]).
    ///
    /// The chain is verified again here, so a chain that did not come out of a handshake with
    /// this verifier cannot yield a caller.
    pub fn identify(&self, chain: &[CertificateDer<'_>]) -> Result<Caller, QcError> {
        let (leaf, intermediates) = chain.split_first().ok_or(QcError::NoCertificate)?;
        let now = UnixTime::now();
        self.any
            .verify_client_cert(leaf, intermediates, now)
            .map_err(|_| QcError::Untrusted)?;
        let cert = QualifiedCertificate::from_der(leaf)?;
        let qualified = self
            .qualified
            .as_ref()
            .is_some_and(|v| v.verify_client_cert(leaf, intermediates, now).is_ok());
        let kind = if qualified {
            AnchorKind::Qualified
        } else {
            AnchorKind::NotQualified
        };
        Ok(cert.caller(kind))
    }
}

impl ClientCertVerifier for ClientCertAuth {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.any.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let verified = self
            .any
            .verify_client_cert(end_entity, intermediates, now)?;
        QualifiedCertificate::from_der(end_entity).map_err(|e| {
            rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(e))))
        })?;
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.any.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.any.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.any.supported_verify_schemes()
    }
}
