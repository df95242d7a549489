//! The loopback redirect of a native app (RFC 8252 §7.3): a one-shot HTTP listener on
//! `127.0.0.1` and an ephemeral port, waiting for the browser to come back to `/callback`.

use std::collections::HashMap;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use super::error::LoginError;

/// Largest request head read from the browser.
const MAX_HEAD: usize = 16 * 1024;
/// How long one connection may take to send its request.
const PER_CONNECTION: Duration = Duration::from_secs(10);

/// The listener; [`Loopback::redirect_uri`] is where the provider must send the browser.
pub(crate) struct Loopback {
    listener: TcpListener,
    redirect_uri: String,
}

impl Loopback {
    /// Binds `127.0.0.1:0` (an IP literal, not `localhost`, per RFC 8252 §8.3).
    pub(crate) async fn bind() -> Result<Self, LoginError> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| LoginError::Loopback(format!("cannot listen on 127.0.0.1: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| LoginError::Loopback(e.to_string()))?
            .port();
        Ok(Self {
            listener,
            redirect_uri: format!("http://127.0.0.1:{port}/callback"),
        })
    }

    pub(crate) fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for a `GET /callback?...` whose `state` equals `state` and returns its query
    /// parameters. Requests to other paths, or with another `state` (not ours: maybe forged),
    /// are answered and ignored. Connections are served concurrently, so an idle one (a
    /// browser's speculative preconnect) delays nothing. Gives up after `timeout`.
    pub(crate) async fn wait_for_callback(
        &self,
        state: &str,
        timeout: Duration,
    ) -> Result<HashMap<String, String>, LoginError> {
        let mut pending = tokio::task::JoinSet::new();
        tokio::time::timeout(timeout, async {
            loop {
                tokio::select! {
                    accepted = self.listener.accept() => {
                        let (stream, _) =
                            accepted.map_err(|e| LoginError::Loopback(e.to_string()))?;
                        let state = state.to_owned();
                        pending.spawn(async move {
                            tokio::time::timeout(PER_CONNECTION, answer(stream, &state))
                                .await
                                .ok()
                                .flatten()
                        });
                    }
                    Some(done) = pending.join_next(), if !pending.is_empty() => {
                        if let Ok(Some(params)) = done {
                            return Ok(params);
                        }
                    }
                }
            }
        })
        .await
        .map_err(|_| LoginError::TimedOut)?
    }
}

/// Reads one request and answers it; `Some(params)` for our callback.
async fn answer(mut stream: TcpStream, state: &str) -> Option<HashMap<String, String>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 || head.len() + n > MAX_HEAD {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = head.split(|&b| b == b'\r').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let mut parts = line.split(' ');
    let (method, target) = (parts.next()?, parts.next()?);
    let params = parse_callback(method, target);
    let (status, body) = match &params {
        Some(p) if p.get("state").map(String::as_str) == Some(state) => {
            if p.contains_key("error") {
                (
                    "200 OK",
                    "Login refused by the provider. You can close this window.",
                )
            } else {
                (
                    "200 OK",
                    "Logged in. You can close this window and return to the terminal.",
                )
            }
        }
        Some(_) => (
            "400 Bad Request",
            "This login request is not the one in progress.",
        ),
        None => ("404 Not Found", "Not found."),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
    params.filter(|p| p.get("state").map(String::as_str) == Some(state))
}

/// The query parameters of `GET /callback?...`; `None` for anything else. A parameter given
/// twice makes the whole query invalid (RFC 6749 §3.1).
fn parse_callback(method: &str, target: &str) -> Option<HashMap<String, String>> {
    if method != "GET" {
        return None;
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != "/callback" {
        return None;
    }
    let url = reqwest::Url::parse(&format!("http://127.0.0.1/?{query}")).ok()?;
    let mut params = HashMap::new();
    for (k, v) in url.query_pairs() {
        if params.insert(k.into_owned(), v.into_owned()).is_some() {
            return None;
        }
    }
    Some(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_get_callback_with_unique_parameters_counts() {
        let p = parse_callback("GET", "/callback?code=a%2Bb&state=s").unwrap();
        assert_eq!(p["code"], "a+b");
        assert_eq!(p["state"], "s");
        assert!(parse_callback("POST", "/callback?code=a&state=s").is_none());
        assert!(parse_callback("GET", "/favicon.ico").is_none());
        assert!(parse_callback("GET", "/callback?code=a&code=b&state=s").is_none());
        assert!(parse_callback("GET", "/callback").unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_forged_state_is_ignored_and_the_real_callback_taken() {
        let loopback = Loopback::bind().await.unwrap();
        let uri = loopback.redirect_uri().to_owned();
        assert!(uri.starts_with("http://127.0.0.1:") && uri.ends_with("/callback"));
        let client = reqwest::Client::new();
        let driver = tokio::spawn(async move {
            let forged = client
                .get(format!("{uri}?code=evil&state=wrong"))
                .send()
                .await;
            assert_eq!(forged.unwrap().status(), 400);
            let other = client.get(uri.replace("/callback", "/x")).send().await;
            assert_eq!(other.unwrap().status(), 404);
            let good = client.get(format!("{uri}?code=c0de&state=s1")).send().await;
            assert_eq!(good.unwrap().status(), 200);
        });
        let params = loopback
            .wait_for_callback("s1", Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(params["code"], "c0de");
        driver.await.unwrap();
    }

    #[tokio::test]
    async fn an_idle_connection_does_not_hold_up_the_callback() {
        let loopback = Loopback::bind().await.unwrap();
        let uri = loopback.redirect_uri().to_owned();
        let addr = uri
            .trim_start_matches("http://")
            .trim_end_matches("/callback")
            .to_owned();
        let idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let driver = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            reqwest::get(format!("{uri}?code=c&state=s")).await.unwrap();
        });
        let started = std::time::Instant::now();
        let params = loopback
            .wait_for_callback("s", Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(params["code"], "c");
        assert!(started.elapsed() < Duration::from_secs(3));
        driver.await.unwrap();
        drop(idle);
    }

    #[tokio::test]
    async fn nobody_coming_back_times_out() {
        let loopback = Loopback::bind().await.unwrap();
        let waited = loopback
            .wait_for_callback("s", Duration::from_millis(50))
            .await;
        assert_eq!(waited.unwrap_err(), LoginError::TimedOut);
    }
}
