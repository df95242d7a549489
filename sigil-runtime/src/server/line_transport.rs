//! The stdio transport: newline-delimited JSON-RPC, each line checked before rmcp reads it.
//!
//! rmcp's own stdio transport (`rmcp::transport::async_rw::AsyncRwTransport`) ignores a line
//! that is not JSON without an answer, and would hand on what `server::wire_check` refuses. So
//! SIGIL reads the client's lines itself: a line the wire check refuses is answered here (unless
//! it is a notification) and audited as `request_rejected`; a line that passes goes on to rmcp
//! through an in-memory pipe, and rmcp's replies come back through another and are written out
//! whole, between the answers given here. The session keeps serving after a refused line.
//!
//! A second `initialize` is refused here too (`-32600`): rmcp would answer it as if the session
//! were new.

use std::io;

use rmcp::ServiceExt;
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, DuplexStream,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::audit::EventKind;
use crate::server::SigilServer;
use crate::server::shutdown::DRAIN_BOUND;
use crate::server::wire_check::{self, Passed, RefusalRecorder, Refused, Transport};

/// The longest line read: rmcp's own limit, so what rmcp would read, SIGIL reads.
const MAX_LINE_BYTES: usize = rmcp::transport::async_rw::DEFAULT_MAX_LINE_LENGTH;

/// The buffer of each pipe to and from rmcp.
const PIPE_BYTES: usize = 64 * 1024;

/// Answers to refused lines waiting to be written; reading waits when it is full.
const ANSWERS_QUEUED: usize = 64;

/// Who sent a refused line: nobody was identified yet (that happens in the handler).
const PRINCIPAL: &str = "anonymous";

impl SigilServer {
    /// Serves one session of newline-delimited JSON-RPC read from `read` and written to `write`
    /// (stdin and stdout for [`Self::serve_stdio`], a pipe or socket otherwise), until the client
    /// closes `read` or the session ends. Every line goes through the wire check first (see
    /// `docs/src/envelope.md`): a refused line is answered with a JSON-RPC error and audited,
    /// and the session goes on.
    pub async fn serve_lines<R, W>(self, read: R, write: W) -> io::Result<()>
    where
        R: AsyncRead + Send + Unpin + 'static,
        W: AsyncWrite + Send + Unpin + 'static,
    {
        self.serve_lines_until(read, write, CancellationToken::new())
            .await
    }

    /// [`serve_lines`](Self::serve_lines) until the client closes `read` or `stop` fires. Once
    /// it fires, nothing more is read: running calls finish (within a bound) and their results
    /// are written, then the session ends, the stop is recorded and the audit trail gets its
    /// final checkpoint.
    pub(crate) async fn serve_lines_until<R, W>(
        self,
        read: R,
        write: W,
        stop: CancellationToken,
    ) -> io::Result<()>
    where
        R: AsyncRead + Send + Unpin + 'static,
        W: AsyncWrite + Send + Unpin + 'static,
    {
        self.audit_lifecycle(EventKind::ServerStart);
        let recorder = RefusalRecorder::new(self.clone());
        let (rmcp_read, mut to_rmcp) = tokio::io::duplex(PIPE_BYTES);
        let (from_rmcp, rmcp_write) = tokio::io::duplex(PIPE_BYTES);
        let (answers, answers_rx) = mpsc::channel(ANSWERS_QUEUED);
        let server = self.clone();
        let session = async move {
            let running = server.serve((rmcp_read, rmcp_write)).await.map_err(|e| {
                io::Error::other(format!(
                    "no MCP session: the client closed the connection before completing \
                     `initialize` ({e})"
                ))
            })?;
            running
                .waiting()
                .await
                .map(|_| ())
                .map_err(io::Error::other)
        };
        // Both run to their end, so that answers to refused lines are written even when the
        // session fails (a client that sends only garbage, then closes).
        let served = async {
            let (session, written) = tokio::join!(session, write_out(from_rmcp, answers_rx, write));
            session.and(written)
        };
        let reading = async {
            tokio::select! {
                () = read_in(BufReader::new(read), &mut to_rmcp, answers, &recorder) => {}
                () = stop.cancelled() => {
                    // Nothing more is read; what is running finishes and is answered before
                    // rmcp's input closes.
                    self.pipeline.in_flight.drained(DRAIN_BOUND).await;
                }
            }
            drop(to_rmcp);
        };
        tokio::pin!(served, reading);
        // The session ends when rmcp is done (the client closed `read`, or the handshake failed);
        // a read still pending then is dropped.
        let mut open = true;
        let ended = loop {
            tokio::select! {
                ended = &mut served => break ended,
                () = &mut reading, if open => open = false,
            }
        };
        self.wind_down().await;
        if stop.is_cancelled() {
            // Stopped on purpose: however far the session got, this is a clean end.
            return Ok(());
        }
        ended.map(|_| ())
    }
}

/// Reads the client's lines: refused ones are audited and answered through `answers`, the rest
/// go to rmcp. Returns at the end of `read`, or when rmcp stops reading.
async fn read_in<R: AsyncBufRead + Unpin>(
    mut read: R,
    to_rmcp: &mut DuplexStream,
    answers: mpsc::Sender<Vec<u8>>,
    recorder: &RefusalRecorder,
) {
    let mut line = Vec::new();
    let mut initialized = false;
    loop {
        let message = match read_line(&mut read, &mut line).await {
            Ok(Line::Read) => without_line_end(&line),
            Ok(Line::TooLong(len)) => {
                if refuse(&Refused::too_large(len), recorder, &answers).await {
                    continue;
                }
                return;
            }
            Ok(Line::End) => return,
            Err(e) => {
                tracing::error!(error = %e, "reading the client failed");
                return;
            }
        };
        if message.is_empty() {
            continue;
        }
        let verdict = match wire_check::check(message) {
            Ok(Passed::Request {
                initialize: true,
                id,
            }) if initialized => Err(Refused::already_initialized(id, message.len())),
            verdict => verdict,
        };
        match verdict {
            Ok(passed) => {
                initialized |= matches!(
                    passed,
                    Passed::Request {
                        initialize: true,
                        ..
                    }
                );
                let sent = async {
                    to_rmcp.write_all(message).await?;
                    to_rmcp.write_all(b"\n").await
                };
                if sent.await.is_err() {
                    return;
                }
            }
            Err(refused) => {
                if !refuse(&refused, recorder, &answers).await {
                    return;
                }
            }
        }
    }
}

/// Audits `refused` and queues its answer (none for a notification). `false` once nothing
/// writes answers any more.
async fn refuse(
    refused: &Refused,
    recorder: &RefusalRecorder,
    answers: &mpsc::Sender<Vec<u8>>,
) -> bool {
    recorder.record(PRINCIPAL, refused, Transport::Stdio);
    refused.notification || answers.send(refused.response()).await.is_ok()
}

/// Writes rmcp's lines and the answers to refused lines to `write`, each line whole. Returns
/// when rmcp has closed its side.
async fn write_out<W: AsyncWrite + Unpin>(
    from_rmcp: DuplexStream,
    mut answers: mpsc::Receiver<Vec<u8>>,
    mut write: W,
) -> io::Result<()> {
    let mut from_rmcp = BufReader::new(from_rmcp);
    // `read_until` keeps what it read in `line` when `select!` drops it, and the next call
    // goes on from there: `line` is cleared only once written.
    let mut line = Vec::new();
    let mut answering = true;
    loop {
        tokio::select! {
            read = from_rmcp.read_until(b'\n', &mut line) => {
                if read? == 0 {
                    break;
                }
                write_line(&mut write, &line).await?;
                line.clear();
            }
            answer = answers.recv(), if answering => match answer {
                Some(answer) => write_line(&mut write, &answer).await?,
                None => answering = false,
            },
        }
    }
    while let Ok(answer) = answers.try_recv() {
        write_line(&mut write, &answer).await?;
    }
    Ok(())
}

/// Writes `line` with exactly one newline after it, and flushes.
async fn write_line<W: AsyncWrite + Unpin>(write: &mut W, line: &[u8]) -> io::Result<()> {
    write
        .write_all(line.strip_suffix(b"\n").unwrap_or(line))
        .await?;
    write.write_all(b"\n").await?;
    write.flush().await
}

/// What [`read_line`] read.
enum Line {
    /// A line (its newline, if any, included), in the buffer.
    Read,
    /// A line longer than [`MAX_LINE_BYTES`], of this many bytes: skipped, not buffered.
    TooLong(usize),
    /// The end of the input.
    End,
}

/// Reads one line into `line` without holding more than [`MAX_LINE_BYTES`] of it. A last line
/// without a newline counts as a line.
async fn read_line<R: AsyncBufRead + Unpin>(read: &mut R, line: &mut Vec<u8>) -> io::Result<Line> {
    line.clear();
    let mut len = 0usize;
    loop {
        let available = read.fill_buf().await?;
        if available.is_empty() {
            return Ok(match len {
                0 => Line::End,
                n if n > MAX_LINE_BYTES => Line::TooLong(n),
                _ => Line::Read,
            });
        }
        let newline = memchr::memchr(b'\n', available);
        let take = newline.map_or(available.len(), |i| i + 1);
        len = len.saturating_add(take);
        if len <= MAX_LINE_BYTES.saturating_add(1) {
            line.extend_from_slice(&available[..take]);
        } else {
            line.clear();
        }
        read.consume(take);
        if newline.is_some() {
            return Ok(if len > MAX_LINE_BYTES.saturating_add(1) {
                Line::TooLong(len)
            } else {
                Line::Read
            });
        }
    }
}

/// `line` without its `\n` or `\r\n`.
fn without_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}
