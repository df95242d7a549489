//! OIDC discovery (`/.well-known/openid-configuration`) and the HTTP fetches behind it.
//!
//! Done with `reqwest` and `serde` rather than the `openidconnect` crate: a resource server needs
//! two fields of the discovery document (`issuer`, `jwks_uri`), and `openidconnect` would bring in
//! `oauth2`, its own HTTP abstraction and a second JOSE stack.

use std::time::Duration;

/// Largest discovery or JWKS document accepted.
const MAX_DOCUMENT: usize = 512 * 1024;
/// Shortest JWKS cache lifetime, whatever the response says.
pub(crate) const MIN_JWKS_TTL: Duration = Duration::from_secs(5 * 60);
/// Longest JWKS cache lifetime, whatever the response says.
pub(crate) const MAX_JWKS_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// A fetched JSON document and how long it may be cached.
pub(crate) struct Fetched {
    pub(crate) body: Vec<u8>,
    pub(crate) ttl: Duration,
}

pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, &'static str> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|_| "cannot build the HTTP client")
}

/// GETs a JSON document of at most 512 KiB.
pub(crate) async fn get_json(http: &reqwest::Client, url: &str) -> Result<Fetched, &'static str> {
    let mut response = http
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|_| "request failed")?;
    if !response.status().is_success() {
        return Err("non-success HTTP status");
    }
    let ttl = jwks_ttl(
        response
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok()),
    );
    if response
        .content_length()
        .is_some_and(|n| n > MAX_DOCUMENT as u64)
    {
        return Err("document too large");
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|_| "reading the body failed")?
    {
        if body.len() + chunk.len() > MAX_DOCUMENT {
            return Err("document too large");
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched { body, ttl })
}

/// The cache lifetime from `Cache-Control: max-age`, clamped to 5 min .. 24 h. No header,
/// `no-cache`/`no-store` or garbage give the minimum.
pub(crate) fn jwks_ttl(cache_control: Option<&str>) -> Duration {
    let max_age = cache_control.and_then(|value| {
        value.split(',').find_map(|directive| {
            let (name, secs) = directive.trim().split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("max-age")
                .then(|| secs.trim().trim_matches('"').parse::<u64>().ok())?
        })
    });
    Duration::from_secs(max_age.unwrap_or(0)).clamp(MIN_JWKS_TTL, MAX_JWKS_TTL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwks_ttl_is_clamped() {
        assert_eq!(jwks_ttl(None), MIN_JWKS_TTL);
        assert_eq!(jwks_ttl(Some("no-store")), MIN_JWKS_TTL);
        assert_eq!(jwks_ttl(Some("public, max-age=60")), MIN_JWKS_TTL);
        assert_eq!(
            jwks_ttl(Some("public, max-age=3600")),
            Duration::from_secs(3600)
        );
        assert_eq!(
            jwks_ttl(Some("Max-Age=\"7200\", must-revalidate")),
            Duration::from_secs(7200)
        );
        assert_eq!(jwks_ttl(Some("max-age=999999999")), MAX_JWKS_TTL);
        assert_eq!(jwks_ttl(Some("max-age=-5")), MIN_JWKS_TTL);
    }
}
