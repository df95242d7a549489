//! Streamable HTTP over TLS (rustls with `ring`), optionally with client certificates.
//!
//! [`SigilServer::serve_https`] serves the same router as
//! [`serve_http`](SigilServer::serve_http) behind TLS. With
//! [`HttpsConfig::client_auth`], every client must present a certificate that
//! [`ClientCertAuth`] accepts, or the handshake fails (and the refusal is audited as
//! `identity_refused`). The [`Caller`] the certificate establishes (`eidas:qc:<C>:<id>`, trust
//! from its QC statements) is put into the extensions of every request on that connection,
//! where the pipeline's [`crate::identity::ExtensionsOrDefault`] finds it.
//!
//! With a bearer resource server configured as well ([`crate::server::SigilServerBuilder::oidc`])
//! both are required: the handshake needs a client certificate, `/mcp` needs a valid token, and
//! the token's caller is the one the pipeline decides on (it replaces the certificate's). The
//! certificate then only gates the connection; it never raises a token's trust.
//!
//! Handshakes run off the accept loop, at most 256 at once, each bounded to 10 s.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::middleware::Next;
use axum::response::Response;
use axum::serve::{IncomingStream, Listener};
use rustls::server::danger::ClientCertVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_util::sync::CancellationToken;

use crate::audit::EventKind;
use crate::basics::private_file::{self, OpenError};
use crate::identity::Caller;
use crate::identity::qualified_cert::{ClientCertAuth, QcError, TrustAnchors};
use crate::pipeline::{Decision, Who};
use crate::server::same_origin::ServedOverTls;
use crate::server::{BuildError, SigilServer};

/// How long a client may take to complete the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How many handshakes may run at once.
const MAX_HANDSHAKES: usize = 256;
/// The largest certificate or key file read.
const MAX_PEM_FILE: u64 = 1 << 20;

/// The server's certificate and key, and optionally client certificate authentication.
///
/// ```no_run
/// use sigil_runtime::identity::Caller;
/// use sigil_runtime::identity::qualified_cert::{AnchorKind, TrustAnchors};
/// use sigil_runtime::server::{HttpsConfig, SigilServer};
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let mut anchors = TrustAnchors::new();
/// anchors.add_pem(&std::fs::read("qualified-cas.pem")?, AnchorKind::Qualified)?;
/// let tls = HttpsConfig::from_pem_files("server.pem".as_ref(), "server.key".as_ref())?
///     .client_auth(&anchors)?;
/// let server = SigilServer::builder("bank", "1.0")
///     .default_caller(Caller::anonymous())
///     .build()?;
/// server.serve_https_on("127.0.0.1:8443".parse()?, tls).await?;
/// # Ok(()) }
/// ```
pub struct HttpsConfig {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    client_auth: Option<Arc<ClientCertAuth>>,
}

impl fmt::Debug for HttpsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpsConfig")
            .field("chain_len", &self.chain.len())
            .field("client_auth", &self.client_auth.is_some())
            .finish_non_exhaustive()
    }
}

impl HttpsConfig {
    /// The certificate chain (leaf first) and private key, both PEM.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, BuildError> {
        let chain = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| BuildError::Certificate)?;
        if chain.is_empty() {
            return Err(BuildError::Certificate);
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|_| BuildError::Key)?;
        Ok(Self {
            chain,
            key,
            client_auth: None,
        })
    }

    /// Reads the certificate chain and key from PEM files. The key file must be private: mode
    /// `0600` or stricter, owned by the current user (as the vault key file).
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Self, BuildError> {
        let cert_pem = read_limited(cert)?;
        let key_pem = read_private(key)?;
        Self::from_pem(&cert_pem, &key_pem)
    }

    /// Requires a client certificate chaining to `anchors`; see [`ClientCertAuth`].
    pub fn client_auth(mut self, anchors: &TrustAnchors) -> Result<Self, BuildError> {
        let auth = ClientCertAuth::new(anchors).map_err(BuildError::ClientAuth)?;
        self.client_auth = Some(Arc::new(auth));
        Ok(self)
    }

    /// The rustls configuration: TLS 1.2 and 1.3, `http/1.1` by ALPN.
    fn server_config(&self) -> Result<rustls::ServerConfig, BuildError> {
        let provider = crate::basics::tls_provider();
        let builder = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(BuildError::Rustls)?;
        let builder = match &self.client_auth {
            Some(auth) => {
                builder.with_client_cert_verifier(auth.clone() as Arc<dyn ClientCertVerifier>)
            }
            None => builder.with_no_client_auth(),
        };
        let mut config = builder
            .with_single_cert(self.chain.clone(), self.key.clone_key())
            .map_err(BuildError::Rustls)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

fn read_limited(path: &Path) -> Result<Vec<u8>, BuildError> {
    use std::io::Read;
    let io = |source| BuildError::TlsFile {
        path: path.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(MAX_PEM_FILE)
        .read_to_end(&mut out)
        .map_err(io)?;
    Ok(out)
}

/// Reads the private key file under the one private-file rule.
fn read_private(path: &Path) -> Result<zeroize::Zeroizing<Vec<u8>>, BuildError> {
    private_file::read(path, MAX_PEM_FILE).map_err(|e| match e {
        OpenError::Io(source) => BuildError::TlsFile {
            path: path.to_path_buf(),
            source,
        },
        OpenError::NotPrivate(reason) => BuildError::KeyFileNotPrivate {
            path: path.to_path_buf(),
            reason,
        },
    })
}

/// What a request learns from its TLS connection: with client certificates, the caller the
/// certificate established.
#[derive(Debug, Clone)]
struct TlsPeer {
    remote: SocketAddr,
    caller: Option<Caller>,
}

impl Connected<IncomingStream<'_, TlsListener>> for TlsPeer {
    fn connect_info(stream: IncomingStream<'_, TlsListener>) -> Self {
        stream.remote_addr().clone()
    }
}

/// Accepts TCP connections and hands out completed TLS streams; handshakes run in their own
/// tasks so a slow client cannot stall the accept loop.
struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, TlsPeer)>,
    accept_loop: tokio::task::JoinHandle<()>,
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

impl TlsListener {
    fn new(
        listener: TcpListener,
        acceptor: TlsAcceptor,
        client_auth: Option<Arc<ClientCertAuth>>,
        server: SigilServer,
    ) -> Self {
        let (tx, ready) = mpsc::channel(64);
        let slots = Arc::new(Semaphore::new(MAX_HANDSHAKES));
        let accept_loop = tokio::spawn(async move {
            loop {
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    return;
                };
                let (tcp, remote) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let (acceptor, auth, server, tx) = (
                    acceptor.clone(),
                    client_auth.clone(),
                    server.clone(),
                    tx.clone(),
                );
                tokio::spawn(async move {
                    let _slot = slot;
                    if let Some(ready) = handshake(tcp, remote, &acceptor, auth, &server).await {
                        let _ = tx.send(ready).await;
                    }
                });
            }
        });
        Self { ready, accept_loop }
    }
}

/// Completes the handshake and identifies the client; `None` (after logging and, for a refused
/// certificate, auditing) if either fails.
async fn handshake(
    tcp: TcpStream,
    remote: SocketAddr,
    acceptor: &TlsAcceptor,
    client_auth: Option<Arc<ClientCertAuth>>,
    server: &SigilServer,
) -> Option<(TlsStream<TcpStream>, TlsPeer)> {
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::warn!(error = %e, "could not set TCP_NODELAY");
    }
    let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => {
            match certificate_refusal(&e) {
                Some(reason) => audit_refusal(server, remote, &reason),
                None => tracing::debug!(%remote, error = %e, "TLS handshake failed"),
            }
            return None;
        }
        Err(_) => {
            tracing::debug!(%remote, "TLS handshake timed out");
            return None;
        }
    };
    let caller = match client_auth {
        None => None,
        Some(auth) => {
            let chain = stream.get_ref().1.peer_certificates().unwrap_or_default();
            match auth.identify(chain) {
                Ok(caller) => Some(caller),
                Err(e) => {
                    audit_refusal(server, remote, &e.to_string());
                    return None;
                }
            }
        }
    };
    Some((stream, TlsPeer { remote, caller }))
}

/// The reason a handshake failed, if it failed over the client's certificate.
fn certificate_refusal(error: &std::io::Error) -> Option<String> {
    let rustls_error = error.get_ref()?.downcast_ref::<rustls::Error>()?;
    match rustls_error {
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other)) => {
            match other.0.downcast_ref::<QcError>() {
                Some(qc) => Some(qc.to_string()),
                None => Some(rustls_error.to_string()),
            }
        }
        rustls::Error::InvalidCertificate(_) => Some(rustls_error.to_string()),
        rustls::Error::NoCertificatesPresented => Some(QcError::NoCertificate.to_string()),
        _ => None,
    }
}

fn audit_refusal(server: &SigilServer, remote: SocketAddr, reason: &str) {
    tracing::info!(%remote, reason, "client certificate refused");
    server
        .pipeline
        .record(EventKind::IdentityRefused, Who::Anonymous)
        .decision(Decision::Refused)
        .reason(format_args!("client certificate refused ({reason})"))
        .append();
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = TlsPeer;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(ready) => ready,
            // The accept loop only ends when this listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(TlsPeer {
            remote: SocketAddr::from(([0, 0, 0, 0], 0)),
            caller: None,
        })
    }
}

/// Puts the connection's certificate caller into the request, where the pipeline (and the
/// bearer gate, which replaces it) finds it, with the peer address (for the session caps) and
/// the mark that the request came over TLS (for the same-origin check).
async fn insert_certificate_caller(mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<TlsPeer>>().cloned();
    let extensions = request.extensions_mut();
    extensions.insert(ServedOverTls);
    if let Some(ConnectInfo(peer)) = peer {
        extensions.insert(ConnectInfo(peer.remote));
        if let Some(caller) = peer.caller {
            extensions.insert(caller);
        }
    }
    next.run(request).await
}

impl SigilServer {
    /// Serves Streamable HTTP over TLS on `listener` until `cancel` fires: the router of
    /// [`http_router`](Self::http_router), with client certificates if `tls` asks for them
    /// (see the module documentation of `server::tls` for how they combine with bearer tokens).
    pub async fn serve_https(
        self,
        listener: TcpListener,
        tls: HttpsConfig,
        cancel: CancellationToken,
    ) -> std::io::Result<()> {
        let config = tls.server_config().map_err(std::io::Error::other)?;
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TlsListener::new(listener, acceptor, tls.client_auth.clone(), self.clone());
        self.audit_lifecycle(EventKind::ServerStart);
        let router = self
            .http_router(cancel.clone())
            .layer(axum::middleware::from_fn(insert_certificate_caller));
        let result = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<TlsPeer>(),
        )
        .with_graceful_shutdown(async move { cancel.cancelled().await })
        .await;
        self.wind_down().await;
        result
    }

    /// Binds `addr` and serves Streamable HTTP over TLS until SIGINT (Ctrl-C) or SIGTERM, then
    /// stops as [`serve_stdio`](Self::serve_stdio) does.
    pub async fn serve_https_on(self, addr: SocketAddr, tls: HttpsConfig) -> std::io::Result<()> {
        let listener = TcpListener::bind(addr).await?;
        let cancel = crate::server::shutdown::cancel_on_signal()?;
        if !self.quiet {
            let url = format!("https://{addr}/mcp");
            eprintln!("{}", self.banner(crate::server::Served::Http(&url)));
        }
        self.serve_https(listener, tls, cancel).await
    }
}
