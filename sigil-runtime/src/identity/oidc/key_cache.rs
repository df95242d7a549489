//! One issuer's JWKS, cached, with single-flight and rate-limited refetches.
//!
//! The cache is read without waiting. A miss (unknown `kid`) or an expired set leads to a refetch
//! under a `tokio` mutex that also holds the time of the last fetch: the first task to take it
//! fetches, the tasks queued behind it find the fetch too recent and only look again. So at most
//! one fetch happens per `min_refetch` however many requests ask. A failed fetch keeps the last
//! good set.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::config::SigningAlg;
use super::discovery::{Fetched, get_json};
use super::error::TokenError;
use super::jwk::{KeySet, Lookup, VerifyKey, parse_key_set};

struct Cached {
    keys: KeySet,
    expires: Instant,
}

pub(crate) struct KeyCache {
    jwks_uri: String,
    http: reqwest::Client,
    current: RwLock<Arc<Cached>>,
    /// When the last fetch started; the mutex makes refetches single-flight.
    last_fetch: tokio::sync::Mutex<Instant>,
    fetches: AtomicU64,
    min_refetch: Duration,
}

impl KeyCache {
    /// Fetches the key set once; fails if it cannot be had.
    pub(crate) async fn load(
        http: reqwest::Client,
        jwks_uri: String,
        min_refetch: Duration,
    ) -> Result<Self, &'static str> {
        let started = Instant::now();
        let first = fetch(&http, &jwks_uri).await?;
        Ok(Self {
            jwks_uri,
            http,
            current: RwLock::new(Arc::new(first)),
            last_fetch: tokio::sync::Mutex::new(started),
            fetches: AtomicU64::new(1),
            min_refetch,
        })
    }

    /// How many JWKS fetches were started (the first one included), successful or not.
    pub(crate) fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    fn snapshot(&self) -> Arc<Cached> {
        // A poisoned lock only means a panic elsewhere while swapping an Arc: the value is whole.
        Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// The key that verifies a token with this `kid` and `alg`.
    pub(crate) async fn key_for(
        &self,
        kid: Option<&str>,
        alg: SigningAlg,
    ) -> Result<Arc<VerifyKey>, TokenError> {
        let cached = self.snapshot();
        let fresh = Instant::now() < cached.expires;
        match cached.keys.find(kid, alg) {
            Lookup::Found(key) if fresh => return Ok(key),
            Lookup::Mismatch if fresh => return Err(TokenError::KeyMismatch),
            Lookup::Found(key) => {
                // Expired set, known key: refresh unless a refresh is already under way, in
                // which case the stale key serves rather than waiting on the network.
                match self.last_fetch.try_lock() {
                    Ok(last) => self.refresh_locked(last).await,
                    Err(_) => return Ok(key),
                }
            }
            Lookup::Mismatch | Lookup::NotFound => self.refresh().await,
        }
        match self.snapshot().keys.find(kid, alg) {
            Lookup::Found(key) => Ok(key),
            Lookup::Mismatch => Err(TokenError::KeyMismatch),
            Lookup::NotFound => Err(TokenError::UnknownKey),
        }
    }

    async fn refresh(&self) {
        self.refresh_locked(self.last_fetch.lock().await).await;
    }

    async fn refresh_locked(&self, mut last: tokio::sync::MutexGuard<'_, Instant>) {
        if last.elapsed() < self.min_refetch {
            return;
        }
        *last = Instant::now();
        self.fetches.fetch_add(1, Ordering::Relaxed);
        if let Ok(fresh) = fetch(&self.http, &self.jwks_uri).await {
            *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(fresh);
        }
    }
}

async fn fetch(http: &reqwest::Client, jwks_uri: &str) -> Result<Cached, &'static str> {
    let Fetched { body, ttl } = get_json(http, jwks_uri).await?;
    let keys = parse_key_set(&body)?;
    Ok(Cached {
        keys,
        expires: Instant::now() + ttl,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWKS: &str = r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"k1",
        "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;

    /// A cache whose keys expired a second ago and whose JWKS endpoint refuses connections.
    fn stale_cache_with_dead_endpoint(last_fetch_ago: Duration) -> KeyCache {
        let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = dead.local_addr().unwrap().port();
        drop(dead);
        let now = Instant::now();
        KeyCache {
            jwks_uri: format!("http://127.0.0.1:{port}/jwks"),
            http: reqwest::Client::new(),
            current: RwLock::new(Arc::new(Cached {
                keys: parse_key_set(JWKS.as_bytes()).unwrap(),
                expires: now - Duration::from_secs(1),
            })),
            last_fetch: tokio::sync::Mutex::new(now - last_fetch_ago),
            fetches: AtomicU64::new(1),
            min_refetch: Duration::from_secs(30),
        }
    }

    #[tokio::test]
    async fn an_expired_key_set_keeps_serving_when_the_refresh_fails() {
        let cache = stale_cache_with_dead_endpoint(Duration::from_secs(60));
        assert!(cache.key_for(Some("k1"), SigningAlg::Es256).await.is_ok());
        assert_eq!(cache.fetches(), 2);
        assert!(cache.key_for(Some("k1"), SigningAlg::Es256).await.is_ok());
        assert_eq!(
            cache.fetches(),
            2,
            "the failed fetch still counts against the interval"
        );
        assert!(matches!(
            cache.key_for(Some("k1"), SigningAlg::Rs256).await,
            Err(TokenError::KeyMismatch)
        ));
    }

    #[tokio::test]
    async fn an_unknown_kid_within_the_interval_causes_no_fetch() {
        let cache = stale_cache_with_dead_endpoint(Duration::from_secs(1));
        assert!(matches!(
            cache.key_for(Some("k9"), SigningAlg::Es256).await,
            Err(TokenError::UnknownKey)
        ));
        assert_eq!(cache.fetches(), 1);
    }
}
