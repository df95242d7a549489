//! SSE priming events only for clients that understand them.
//!
//! rmcp starts its SSE streams with a priming event (SEP-1699: an `id`, a `retry` and an empty
//! `data:` line) so a client can reconnect before the first message. It sends it whatever
//! protocol version the session negotiated, and has no setting per session: `sse_retry` on
//! `StreamableHttpServerConfig` (initialize and `GET` streams) and on `SessionConfig`
//! (request streams) switches it off for everyone. Clients of the revisions before 2025-11-25
//! dispatch it as a message with empty data and fail to parse it as JSON-RPC, so for sessions
//! that negotiated an older version [`WithoutPriming`] drops, from the response body, every
//! event whose data is empty. Nothing else is touched: keep-alive comments and message events
//! pass byte for byte.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::body::{Body, Bytes, HttpBody};
use axum::http::header::CONTENT_TYPE;
use axum::response::Response;
use http_body::Frame;

/// The first revision whose clients expect priming events.
const FIRST_PRIMED_VERSION: &str = "2025-11-25";

/// Whether a session that negotiated `version` (`None`: not known) gets priming events.
/// Versions are dates (`YYYY-MM-DD`), so their text order is their order in time.
pub(crate) fn takes_priming(version: Option<&str>) -> bool {
    version.is_some_and(|v| v >= FIRST_PRIMED_VERSION)
}

/// `response` without priming events if it is an event stream.
pub(crate) fn strip_priming(response: Response) -> Response {
    let is_event_stream = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if !is_event_stream {
        return response;
    }
    response.map(|body| {
        Body::new(WithoutPriming {
            inner: body,
            pending: Vec::new(),
        })
    })
}

/// An SSE body with its empty-data events left out.
struct WithoutPriming {
    inner: Body,
    /// Bytes of an event not yet ended by a blank line.
    pending: Vec<u8>,
}

impl WithoutPriming {
    /// Moves every complete event out of `pending`, leaving out the empty-data ones.
    fn complete_events(&mut self) -> Vec<u8> {
        let mut kept = Vec::new();
        let mut start = 0;
        while let Some(end) = find_blank_line(&self.pending[start..]) {
            let event = &self.pending[start..start + end];
            if !has_only_empty_data(event) {
                kept.extend_from_slice(event);
            }
            start += end;
        }
        self.pending.drain(..start);
        kept
    }
}

/// The length of the first event in `bytes` including its terminating blank line. rmcp's
/// encoder ends lines with `\n` only (JSON data never holds a raw newline).
fn find_blank_line(bytes: &[u8]) -> Option<usize> {
    bytes.windows(2).position(|w| w == b"\n\n").map(|i| i + 2)
}

/// Whether `event` has a `data` field and every one of them is empty: an event a client
/// dispatches with data `""`.
fn has_only_empty_data(event: &[u8]) -> bool {
    let mut has_data = false;
    for line in event.split(|b| *b == b'\n') {
        let value = match line.strip_prefix(b"data") {
            Some([]) => &[][..],
            Some([b':', b' ', value @ ..] | [b':', value @ ..]) => value,
            _ => continue,
        };
        if !value.is_empty() {
            return false;
        }
        has_data = true;
    }
    has_data
}

impl HttpBody for WithoutPriming {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        loop {
            match ready!(Pin::new(&mut self.inner).poll_frame(cx)) {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => {
                        self.pending.extend_from_slice(&data);
                        let kept = self.complete_events();
                        if !kept.is_empty() {
                            return Poll::Ready(Some(Ok(Frame::data(kept.into()))));
                        }
                    }
                    Err(frame) => return Poll::Ready(Some(Ok(frame))),
                },
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                // An unterminated last event is passed on as it is.
                None if self.pending.is_empty() => return Poll::Ready(None),
                None => {
                    let rest = std::mem::take(&mut self.pending);
                    return Poll::Ready(Some(Ok(Frame::data(rest.into()))));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_versions_from_2025_11_25_take_priming() {
        assert!(!takes_priming(None));
        assert!(!takes_priming(Some("2025-03-26")));
        assert!(!takes_priming(Some("2025-06-18")));
        assert!(takes_priming(Some("2025-11-25")));
        assert!(takes_priming(Some("2026-07-28")));
    }

    #[test]
    fn empty_data_events_are_recognised_and_messages_and_comments_are_not() {
        assert!(has_only_empty_data(b"data: \nid: 0\nretry: 3000\n\n"));
        assert!(has_only_empty_data(b"data\nid: 0\n\n"));
        assert!(has_only_empty_data(b"data:\n\n"));
        assert!(!has_only_empty_data(b"data: {\"id\":1}\nid: 1\n\n"));
        assert!(!has_only_empty_data(b":\n\n"));
        assert!(!has_only_empty_data(b"retry: 3000\n\n"));
        assert!(!has_only_empty_data(b"datax: \n\n"));
    }

    #[tokio::test]
    async fn the_priming_event_is_dropped_across_chunk_boundaries_and_the_rest_kept() {
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"data: \nid: 0\nre")),
            Ok(Bytes::from_static(b"try: 3000\n\n:\n\ndata: {\"id\":1}\n")),
            Ok(Bytes::from_static(b"id: 0/0\n\n")),
        ];
        let response = Response::builder()
            .header(CONTENT_TYPE, "text/event-stream")
            .body(Body::from_stream(futures_util::stream::iter(chunks)))
            .unwrap();
        let body = strip_priming(response).into_body();
        let bytes = axum::body::to_bytes(body, 1 << 16).await.unwrap();
        assert_eq!(&bytes[..], b":\n\ndata: {\"id\":1}\nid: 0/0\n\n");
    }
}
