//! Transports: stdio and Streamable HTTP (axum), with the HTTP hygiene DESIGN §10 asks for.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::serve::ListenerExt;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use crate::audit::EventKind;
use crate::server::bounded_sessions::BoundedSessions;
use crate::server::http_identity::session_binding::{self, SessionBinder, SessionGate};
use crate::server::http_identity::{bearer, pid_routes};
use crate::server::session_admission::{self, AdmissionGate};
use crate::server::session_limits::SessionTable;
use crate::server::shutdown::{cancel_on_signal, stdin_reader};
use crate::server::{Served, SigilServer, http_wire_check, same_origin};

impl SigilServer {
    /// Serves one session over stdin/stdout until the client closes it, each line checked
    /// first (see [`Self::serve_lines`]). Logs go to stderr. SIGINT or SIGTERM stops reading
    /// stdin, lets running calls finish (at most 10 s), records the stop and writes the audit
    /// trail's final checkpoint; then this returns `Ok`.
    pub async fn serve_stdio(self) -> std::io::Result<()> {
        let stop = cancel_on_signal()?;
        if !self.quiet {
            eprintln!("{}", self.banner(Served::Stdio));
        }
        self.serve_lines_until(stdin_reader(), tokio::io::stdout(), stop)
            .await
    }

    /// An axum router serving Streamable HTTP at `/mcp`: stateful sessions (so legacy clients
    /// can confirm), allowed hosts and origins, a body size limit. With a resource server
    /// configured ([`crate::server::SigilServerBuilder::oidc`]), `/mcp` needs a bearer token and
    /// the RFC 9728 metadata is served too (see `server::http_identity::bearer`), and each session is bound to
    /// the principal that opened it (see `server::http_identity::session_binding`). Open sessions are capped
    /// and idle ones closed (see `server::session_admission`); the per-address cap needs the
    /// router served with `ConnectInfo<SocketAddr>`, as [`serve_http`](Self::serve_http) does.
    pub fn http_router(&self, cancel: CancellationToken) -> Router {
        let config = StreamableHttpServerConfig::default()
            .with_allowed_hosts(self.http.allowed_hosts.clone())
            .with_allowed_origins(self.http.allowed_origins.clone())
            .enforce_origin_validation()
            .with_max_request_body_bytes(self.http.max_body_bytes)
            .with_cancellation_token(cancel);
        let server = self.clone();
        let idle = Duration::from_secs(self.http.session_idle_secs);
        let binder = Arc::new(SessionBinder::new(idle));
        let table = SessionTable::new(&self.http);
        let sessions = BoundedSessions::new(table.clone(), binder.clone(), idle);
        let service =
            StreamableHttpService::new(move || Ok(server.clone()), Arc::new(sessions), config);
        // Sessions are bound to the verified caller a front door (bearer token, client
        // certificate) puts into the request; without one this layer passes requests through.
        let gate = SessionGate {
            server: self.clone(),
            binder,
        };
        let admission = AdmissionGate::new(self.clone(), table, idle);
        // Each message is checked before rmcp reads it (see `server::http_wire_check`).
        let mcp =
            http_wire_check::check_messages(Router::new().nest_service("/mcp", service), self);
        let router = mcp
            .route_layer(axum::middleware::from_fn_with_state(
                gate,
                session_binding::bind_sessions,
            ))
            .route_layer(axum::middleware::from_fn_with_state(
                admission,
                session_admission::admit_sessions,
            ))
            .route_layer(axum::middleware::from_fn(same_origin::pass_same_origin));
        let router = match &self.oidc {
            Some(resource) => bearer::protect(router, self, resource.clone()),
            None => router,
        };
        // The PID verifier endpoints sit outside the bearer gate: wallets carry no token.
        match &self.pipeline.pid {
            Some(step_up) => pid_routes::mount(router, self, step_up.clone()),
            None => router,
        }
    }

    /// Serves Streamable HTTP on `listener` until `cancel` fires. Accepted sockets get
    /// `TCP_NODELAY` (without it Node clients see ~40 ms per call).
    pub async fn serve_http(
        self,
        listener: tokio::net::TcpListener,
        cancel: CancellationToken,
    ) -> std::io::Result<()> {
        self.audit_lifecycle(EventKind::ServerStart);
        let router = self.http_router(cancel.clone());
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::warn!(error = %e, "could not set TCP_NODELAY");
            }
        });
        let result = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { cancel.cancelled().await })
        .await;
        self.wind_down().await;
        result
    }

    /// Binds `addr` and serves Streamable HTTP until SIGINT (Ctrl-C) or SIGTERM, then stops as
    /// [`serve_stdio`](Self::serve_stdio) does.
    pub async fn serve_http_on(self, addr: SocketAddr) -> std::io::Result<()> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let cancel = cancel_on_signal()?;
        if !self.quiet {
            eprintln!(
                "{}",
                self.banner(Served::Http(&format!("http://{addr}/mcp")))
            );
        }
        self.serve_http(listener, cancel).await
    }
}
