//! RFC 7662 introspection of opaque access tokens, with a cache that never outlives the token.
//!
//! A token that is not a compact JWS is sent to the issuer's introspection endpoint (from
//! discovery's `introspection_endpoint`, or configured), authenticated with this resource
//! server's own client credentials. The answer must say `active: true`; its `iss` (when present)
//! must be the issuer; `token_type` (when present) `Bearer`; no `cnf` (a sender-constrained token
//! whose proof we cannot check); then the same claim checks as a JWT: `exp` (required), `nbf`,
//! `iat`, `aud` containing the configured resource, and principal, trust (from `acr`/`amr`),
//! scopes, subject kind as for JWTs.
//!
//! Requests to the endpoint are budgeted (`max_requests_per_second`, default 20 with a burst of
//! twice that): made-up opaque tokens cost the attacker nothing and the issuer one request each,
//! so beyond the budget a token that is not in the cache is refused without asking (fail closed,
//! `TokenError::Introspection`), and the issuer never sees more than the budget from us.
//!
//! Only accepted tokens are cached, keyed by the SHA-256 of the token (the token itself is not
//! kept), until the earlier of the token's `exp` and `max_cache_ttl` after the answer. Refusals
//! and failures are never cached: a revoked token is seen as such once its cache entry (at most
//! `max_cache_ttl` old) has lapsed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use super::bearer::MAX_TOKEN_LEN;
use super::claims;
use super::config::{IntrospectionConfig, IssuerConfig};
use super::error::TokenError;
use super::form_post::{FormClient, post_form};
use super::verified_token::{VerifiedToken, build};
use crate::basics::unix_secs;

/// The most tokens kept in the cache; when full, expired entries go, then everything.
const MAX_CACHED: usize = 10_000;

struct Cached {
    token: VerifiedToken,
    /// Seconds since the epoch; the entry is used only while `now < until`.
    until: u64,
}

/// The introspection client of one issuer.
pub(crate) struct Introspector {
    endpoint: String,
    http: reqwest::Client,
    config: IntrospectionConfig,
    cache: Mutex<HashMap<[u8; 32], Cached>>,
    calls: AtomicU64,
    budget: Mutex<RequestBudget>,
}

/// A token bucket of introspection requests.
#[derive(Debug)]
struct RequestBudget {
    tokens: f64,
    updated: Instant,
}

impl RequestBudget {
    /// Takes one request out of a bucket of `burst` filling at `rate` per second, if there is one.
    fn take(&mut self, rate: f64, burst: f64, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(burst);
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

impl Introspector {
    pub(crate) fn new(
        http: reqwest::Client,
        endpoint: String,
        config: IntrospectionConfig,
    ) -> Self {
        let burst = f64::from(config.max_requests_per_second) * 2.0;
        Self {
            endpoint,
            http,
            config,
            cache: Mutex::new(HashMap::new()),
            calls: AtomicU64::new(0),
            budget: Mutex::new(RequestBudget {
                tokens: burst,
                updated: Instant::now(),
            }),
        }
    }

    /// How many introspection requests were sent.
    pub(crate) fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Verifies an opaque token at `now` (seconds since the epoch).
    pub(crate) async fn verify(
        &self,
        issuer: &IssuerConfig,
        token: &str,
        now: u64,
        leeway: u64,
    ) -> Result<VerifiedToken, TokenError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::TooLarge);
        }
        if token.is_empty() {
            return Err(TokenError::Missing);
        }
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(hit) = self.cached(&key, now) {
            return Ok(hit);
        }
        if !self.within_budget() {
            return Err(TokenError::Introspection(
                "too many introspection requests; try again shortly",
            ));
        }
        self.calls.fetch_add(1, Ordering::Relaxed);
        let client = FormClient::Confidential {
            id: &self.config.client_id,
            secret: &self.config.client_secret,
            auth: self.config.client_auth,
        };
        let fields = [("token", token), ("token_type_hint", "access_token")];
        let answer = post_form(&self.http, &self.endpoint, &client, &fields)
            .await
            .map_err(TokenError::Introspection)?;
        if answer.status != 200 {
            return Err(TokenError::Introspection(
                "the introspection endpoint refused the request",
            ));
        }
        let verified = check_answer(&answer.json, issuer, now, leeway)?;
        let ttl = self.config.max_cache_ttl.as_secs();
        let expires_at = unix_secs(verified.expires_at);
        let until = expires_at.min(now.saturating_add(ttl));
        if until > now {
            self.store(key, verified.clone(), until, now);
        }
        Ok(verified)
    }

    fn within_budget(&self) -> bool {
        let rate = f64::from(self.config.max_requests_per_second.max(1));
        self.budget
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take(rate, rate * 2.0, Instant::now())
    }

    fn cached(&self, key: &[u8; 32], now: u64) -> Option<VerifiedToken> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        match cache.get(key) {
            Some(hit) if now < hit.until => Some(hit.token.clone()),
            Some(_) => {
                cache.remove(key);
                None
            }
            None => None,
        }
    }

    fn store(&self, key: [u8; 32], token: VerifiedToken, until: u64, now: u64) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= MAX_CACHED {
            cache.retain(|_, c| now < c.until);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.insert(key, Cached { token, until });
    }
}

/// The checks of an introspection answer (see the module docs).
fn check_answer(
    answer: &Map<String, Value>,
    issuer: &IssuerConfig,
    now: u64,
    leeway: u64,
) -> Result<VerifiedToken, TokenError> {
    match answer.get("active") {
        Some(Value::Bool(true)) => {}
        Some(Value::Bool(false)) => return Err(TokenError::Inactive),
        None if answer.is_empty() => {
            return Err(TokenError::Introspection("the answer is not a JSON object"));
        }
        _ => return Err(TokenError::InvalidClaim("active")),
    }
    match answer.get("iss") {
        None => {}
        Some(Value::String(iss)) if *iss == issuer.issuer => {}
        Some(Value::String(_)) => return Err(TokenError::UnknownIssuer),
        Some(_) => return Err(TokenError::InvalidClaim("iss")),
    }
    match answer.get("token_type") {
        None => {}
        Some(Value::String(t)) if t.eq_ignore_ascii_case("bearer") => {}
        Some(_) => return Err(TokenError::WrongType),
    }
    if answer.contains_key("cnf") {
        return Err(TokenError::InvalidClaim("cnf"));
    }
    let checked = claims::check(answer, &issuer.resource, now, leeway)?;
    build(issuer, checked)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::basics::TrustLevel;

    const NOW: u64 = 1_800_000_000;

    fn issuer() -> IssuerConfig {
        IssuerConfig::new("https://i", "https://r").with_service_trust(TrustLevel::High)
    }

    fn answer(extra: Value) -> Map<String, Value> {
        let mut base = json!({"active": true, "iss": "https://i", "aud": "https://r",
            "exp": NOW + 60, "client_id": "svc", "scope": "a b", "token_type": "Bearer",
            "acr": "http://eidas.europa.eu/LoA/substantial"});
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                base.as_object_mut().unwrap().remove(k);
            } else {
                base[k] = v.clone();
            }
        }
        base.as_object().unwrap().clone()
    }

    #[test]
    fn an_active_answer_gives_the_mapped_caller() {
        let t = check_answer(&answer(json!({})), &issuer(), NOW, 0).unwrap();
        assert_eq!(t.principal.to_string(), "oidc:https://i#svc");
        assert_eq!(t.trust, TrustLevel::Medium);
        assert_eq!(t.scopes, ["a", "b"]);
    }

    #[test]
    fn the_request_budget_is_a_burst_then_the_rate() {
        let t0 = Instant::now();
        let mut budget = RequestBudget {
            tokens: 4.0,
            updated: t0,
        };
        let granted = (0..100).filter(|_| budget.take(2.0, 4.0, t0)).count();
        assert_eq!(granted, 4);
        let later = t0 + Duration::from_millis(1500);
        let granted = (0..100).filter(|_| budget.take(2.0, 4.0, later)).count();
        assert_eq!(granted, 3);
        let much_later = t0 + Duration::from_secs(3600);
        let granted = (0..100)
            .filter(|_| budget.take(2.0, 4.0, much_later))
            .count();
        assert_eq!(granted, 4, "never more than the burst");
    }

    #[test]
    fn every_doubtful_answer_is_refused() {
        let i = issuer();
        let cases = [
            (json!({"active": false}), TokenError::Inactive),
            (
                json!({"active": "true"}),
                TokenError::InvalidClaim("active"),
            ),
            (json!({"active": null}), TokenError::InvalidClaim("active")),
            (json!({"iss": "https://evil"}), TokenError::UnknownIssuer),
            (
                json!({"token_type": "refresh_token"}),
                TokenError::WrongType,
            ),
            (
                json!({"cnf": {"jkt": "x"}}),
                TokenError::InvalidClaim("cnf"),
            ),
            (json!({"aud": "https://other"}), TokenError::WrongAudience),
            (json!({"aud": null}), TokenError::MissingClaim("aud")),
            (json!({"exp": null}), TokenError::MissingClaim("exp")),
            (json!({"exp": NOW - 1}), TokenError::Expired),
        ];
        for (extra, expected) in cases {
            assert_eq!(
                check_answer(&answer(extra.clone()), &i, NOW, 0),
                Err(expected),
                "{extra}"
            );
        }
        assert!(matches!(
            check_answer(&Map::new(), &i, NOW, 0),
            Err(TokenError::Introspection(_))
        ));
    }
}
