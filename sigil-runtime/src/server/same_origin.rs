//! The server's own origin passes the `Origin` check.
//!
//! rmcp refuses every `Origin` not in `allowed_origins` (SIGIL enforces the check even with the
//! list empty), which also refuses a page the server itself serves. A browser request whose
//! `Origin` is the request's own origin (same scheme, host and port as the URL it was sent to)
//! is not cross-origin, so it passes: its `Origin` header is removed before rmcp looks, as if a
//! non-browser client had sent it. Every other origin still meets rmcp's check.
//!
//! The host compared is the one the request names (`Host`, or the HTTP/2 authority), which
//! rmcp checks against `allowed_hosts` right after: a DNS-rebinding page names its own host and
//! is refused there. The scheme is the one this server serves: `https` behind
//! [`SigilServer::serve_https`](crate::server::SigilServer::serve_https), else `http` (behind a
//! TLS-terminating proxy, list the public origin in `allowed_origins`).

use axum::extract::Request;
use axum::http::header::{HOST, ORIGIN};
use axum::middleware::Next;
use axum::response::Response;

/// Marks a request that arrived over TLS (put there by `server::tls`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ServedOverTls;

/// Middleware for `/mcp`: removes an `Origin` header that names the request's own origin.
pub(crate) async fn pass_same_origin(mut request: Request, next: Next) -> Response {
    if is_same_origin(&request) {
        request.headers_mut().remove(ORIGIN);
    }
    next.run(request).await
}

fn is_same_origin(request: &Request) -> bool {
    let mut origins = request.headers().get_all(ORIGIN).iter();
    let (Some(origin), None) = (origins.next(), origins.next()) else {
        return false;
    };
    let scheme = if request.extensions().get::<ServedOverTls>().is_some() {
        "https"
    } else {
        "http"
    };
    let host = match request.headers().get(HOST) {
        Some(host) => host.to_str().ok(),
        None => request.uri().authority().map(|a| a.as_str()),
    };
    let (Ok(origin), Some(host)) = (origin.to_str(), host) else {
        return false;
    };
    let Some(rest) = origin
        .strip_prefix(scheme)
        .and_then(|r| r.strip_prefix("://"))
    else {
        return false;
    };
    match (authority(rest, scheme), authority(host, scheme)) {
        (Some(origin), Some(host)) => origin == host,
        _ => false,
    }
}

/// `host[:port]` as (lowercase host, port), the port defaulting to the scheme's; `None` if it
/// is not a bare authority (a path, user info or an empty host).
fn authority(text: &str, scheme: &str) -> Option<(String, u16)> {
    if text.is_empty() || text.contains(['/', '@', '?', '#']) {
        return None;
    }
    let default_port = if scheme == "https" { 443 } else { 80 };
    let (host, port) = match text.rsplit_once(':') {
        // `[::1]` alone has colons inside the brackets only.
        Some((host, port)) if !port.contains(']') => (host, port.parse().ok()?),
        _ => (text, default_port),
    };
    if host.is_empty() {
        return None;
    }
    Some((host.to_ascii_lowercase(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(origin: &str, host: &str, tls: bool) -> Request {
        let mut request = Request::builder()
            .uri("/mcp")
            .header(ORIGIN, origin)
            .header(HOST, host)
            .body(axum::body::Body::empty())
            .unwrap();
        if tls {
            request.extensions_mut().insert(ServedOverTls);
        }
        request
    }

    #[test]
    fn the_own_origin_matches_by_scheme_host_and_port() {
        for (origin, host, tls) in [
            ("http://127.0.0.1:8080", "127.0.0.1:8080", false),
            ("http://LOCALHOST:8080", "localhost:8080", false),
            ("http://localhost", "localhost:80", false),
            ("https://mcp.example.eu", "mcp.example.eu", true),
            ("http://[::1]:8080", "[::1]:8080", false),
        ] {
            assert!(is_same_origin(&request(origin, host, tls)), "{origin}");
        }
        for (origin, host, tls) in [
            ("http://127.0.0.1:8081", "127.0.0.1:8080", false),
            ("http://evil.example:8080", "127.0.0.1:8080", false),
            ("https://127.0.0.1:8080", "127.0.0.1:8080", false),
            ("http://mcp.example.eu", "mcp.example.eu", true),
            ("null", "127.0.0.1:8080", false),
            ("http://127.0.0.1:8080/x", "127.0.0.1:8080", false),
            ("http://u@127.0.0.1:8080", "127.0.0.1:8080", false),
        ] {
            assert!(!is_same_origin(&request(origin, host, tls)), "{origin}");
        }
    }
}
