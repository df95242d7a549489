//! How a server stops: no new calls, running calls finish (within a bound), the stop is
//! recorded, and the audit trail gets its final checkpoint. SIGINT and SIGTERM start it for
//! [`SigilServer::serve_stdio`] and [`SigilServer::serve_http_on`].

use std::io::Read;
use std::time::Duration;

use tokio::io::{AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;

use tokio_util::sync::CancellationToken;

use crate::audit::EventKind;
use crate::server::SigilServer;

/// The longest a stopping server waits for running calls.
pub(crate) const DRAIN_BOUND: Duration = Duration::from_secs(10);

impl SigilServer {
    /// Lets running calls finish (at most [`DRAIN_BOUND`]), records `server_stop`, and writes
    /// the audit trail's final checkpoint.
    pub(crate) async fn wind_down(&self) {
        if !self.pipeline.in_flight.drained(DRAIN_BOUND).await {
            tracing::warn!(
                running = self.pipeline.in_flight.running(),
                "stopping with calls still running after {} s",
                DRAIN_BOUND.as_secs()
            );
        }
        self.audit_lifecycle(EventKind::ServerStop);
        if let Err(e) = self.pipeline.audit.finish() {
            tracing::error!(error = %e, "the audit trail's final checkpoint failed");
        }
    }
}

/// A token cancelled at the first SIGINT (Ctrl-C) or SIGTERM.
pub(crate) fn cancel_on_signal() -> std::io::Result<CancellationToken> {
    let cancel = CancellationToken::new();
    let c = cancel.clone();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = int.recv() => tracing::info!("SIGINT: stopping"),
            _ = term.recv() => tracing::info!("SIGTERM: stopping"),
        }
        c.cancel();
    });
    Ok(cancel)
}

/// Standard input as an async reader fed by a thread of its own. `tokio::io::stdin` reads on
/// the runtime's blocking pool, and a runtime that shuts down waits for that read, so a server
/// stopped by a signal while the client keeps stdin open would never exit. A plain thread is
/// simply abandoned when the process exits.
pub(crate) fn stdin_reader() -> DuplexStream {
    const CHUNK: usize = 64 * 1024;
    let (mut into_reader, reader) = tokio::io::duplex(CHUNK);
    let (chunks, mut received) = mpsc::channel::<Vec<u8>>(16);
    let spawned = std::thread::Builder::new()
        .name("sigil-stdin".into())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut buf = vec![0u8; CHUNK];
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => {
                        if chunks.blocking_send(buf[..n].to_vec()).is_err() {
                            return;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        tracing::error!(error = %e, "reading stdin failed");
                        return;
                    }
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the stdin thread");
    }
    tokio::spawn(async move {
        while let Some(chunk) = received.recv().await {
            if into_reader.write_all(&chunk).await.is_err() {
                return;
            }
        }
    });
    reader
}
