//! rmcp's [`LocalSessionManager`] with SIGIL's session caps, idle timeout and bookkeeping.
//!
//! rmcp asks its session manager to create a session without saying for whom
//! (`SessionManager::create_session` takes no request), so the `/mcp` middleware runs the
//! request inside [`admitting`], which makes the client known to [`BoundedSessions`] for the
//! duration of that request (a task-local: rmcp creates the session on the request's own task).
//! When a cap is full the manager refuses before any session exists, and [`admitting`] reports
//! the refusal so the middleware can answer `503` instead of rmcp's `500`.
//!
//! Every end of a session reaches [`SessionManager::close_session`]: the client's `DELETE`, and
//! rmcp's worker ending (the idle timeout, `SessionConfig::keep_alive`, or the server stopping).
//! There the session leaves rmcp's map, the [`SessionTable`] and the [`SessionBinder`], so its
//! memory is given back.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_core::Stream;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::transport::streamable_http_server::session::local::{
    LocalSessionManager, LocalSessionManagerError,
};
use rmcp::transport::streamable_http_server::session::{
    EventStore, ServerSseMessage, SessionId, SessionManager,
};

use crate::server::http_identity::session_binding::SessionBinder;
use crate::server::session_limits::{Client, Refused, SessionTable};

/// The client of the request being served, and whether its new session was refused.
struct Admission {
    client: Client,
    refused: Cell<Option<Refused>>,
}

tokio::task_local! {
    static ADMISSION: Admission;
}

/// Runs `serve` (the rest of the `/mcp` stack) with `client` as the opener of any session it
/// creates; returns its output and the cap that refused a session, if one did.
pub(crate) async fn admitting<T>(
    client: Client,
    serve: impl Future<Output = T>,
) -> (T, Option<Refused>) {
    let admission = Admission {
        client,
        refused: Cell::new(None),
    };
    ADMISSION
        .scope(admission, async move {
            let output = serve.await;
            let refused = ADMISSION.with(|a| a.refused.get());
            (output, refused)
        })
        .await
}

/// A [`LocalSessionManager`] whose sessions take a slot of a [`SessionTable`].
#[derive(Debug)]
pub(crate) struct BoundedSessions {
    inner: LocalSessionManager,
    table: Arc<SessionTable>,
    binder: Arc<SessionBinder>,
}

impl BoundedSessions {
    /// Sessions counted in `table`, closed after `idle` without traffic, and forgotten by
    /// `binder` when they end.
    pub(crate) fn new(
        table: Arc<SessionTable>,
        binder: Arc<SessionBinder>,
        idle: Duration,
    ) -> Self {
        let mut inner = LocalSessionManager::default();
        // rmcp's session worker ends once no message has gone either way for this long; its
        // end closes the session through `close_session` below.
        inner.session_config.keep_alive = Some(idle);
        Self {
            inner,
            table,
            binder,
        }
    }
}

/// Why [`BoundedSessions`] could not do what rmcp asked.
#[derive(Debug)]
pub(crate) enum BoundedSessionsError {
    /// A cap is full: no session was created.
    Refused(Refused),
    /// rmcp's session manager failed.
    Local(LocalSessionManagerError),
}

impl fmt::Display for BoundedSessionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused(r) => write!(f, "session refused ({}); answered 503", r.reason()),
            Self::Local(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for BoundedSessionsError {}

impl From<LocalSessionManagerError> for BoundedSessionsError {
    fn from(e: LocalSessionManagerError) -> Self {
        Self::Local(e)
    }
}

/// The protocol version an `initialize` response agreed on.
fn negotiated_version(response: &ServerJsonRpcMessage) -> Option<String> {
    let value = serde_json::to_value(response).ok()?;
    Some(
        value
            .get("result")?
            .get("protocolVersion")?
            .as_str()?
            .to_owned(),
    )
}

impl SessionManager for BoundedSessions {
    type Error = BoundedSessionsError;
    type Transport = <LocalSessionManager as SessionManager>::Transport;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        // Outside `admitting` (no middleware in front) only the total cap applies.
        let client = ADMISSION.try_with(|a| a.client.clone()).unwrap_or_default();
        let slot = self.table.reserve(client).map_err(|refused| {
            let _ = ADMISSION.try_with(|a| a.refused.set(Some(refused)));
            BoundedSessionsError::Refused(refused)
        })?;
        let (id, transport) = self.inner.create_session().await?;
        slot.open(&id);
        Ok((id, transport))
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, Self::Error> {
        let response = self.inner.initialize_session(id, message).await?;
        if let Some(version) = negotiated_version(&response) {
            self.table.set_version(id, version);
        }
        Ok(response)
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, Self::Error> {
        Ok(self.inner.has_session(id).await?)
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        let closed = self.inner.close_session(id).await;
        self.table.close(id);
        self.binder.forget(id);
        Ok(closed?)
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        Ok(self.inner.create_stream(id, message).await?)
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), Self::Error> {
        Ok(self.inner.accept_message(id, message).await?)
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        Ok(self.inner.create_standalone_stream(id).await?)
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        Ok(self.inner.resume(id, last_event_id).await?)
    }

    // `restore_session` keeps the trait's default (not supported): a restored session would
    // bypass the caps, and SIGIL configures no external session store.

    fn event_store(&self) -> Option<Arc<dyn EventStore>> {
        self.inner.event_store()
    }
}
