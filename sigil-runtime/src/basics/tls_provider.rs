//! The one choice of rustls crypto provider, for the HTTPS server and for verifying client
//! certificates.
//!
//! An application that installed a process-wide provider (`CryptoProvider::install_default`,
//! for instance aws-lc-rs's, which has post-quantum key exchange) gets that one. Otherwise
//! SIGIL uses *ring*: it needs no C toolchain beyond what `ring` builds itself, at the cost of
//! post-quantum key exchange, which is why rustls 0.23.48 marked its constructor deprecated. That
//! call is made here only, with the deprecation acknowledged, so no build of SIGIL warns.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;

/// The process's installed provider, else *ring*'s.
pub fn tls_provider() -> Arc<CryptoProvider> {
    if let Some(installed) = CryptoProvider::get_default() {
        return installed.clone();
    }
    #[allow(deprecated)]
    Arc::new(rustls::crypto::ring::default_provider())
}
