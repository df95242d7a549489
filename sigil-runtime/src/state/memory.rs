//! The default state store: in this process's memory, gone when it ends.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{StateError, StateStore, check_size};

/// How many writes between two sweeps of expired entries.
const SWEEP_EVERY: u32 = 1024;

/// State in memory, for one process. Entries expire on their TTL; expired ones are swept every
/// [`SWEEP_EVERY`] writes, so the map stays bounded by what is alive.
#[derive(Default)]
pub struct MemoryState {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    values: HashMap<String, (Vec<u8>, Instant)>,
    buckets: HashMap<String, Bucket>,
    writes: u32,
}

struct Bucket {
    tokens: f64,
    last: Instant,
    /// After this, the bucket is full again and can be forgotten.
    full_at: Instant,
}

impl MemoryState {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// [`StateStore::take_token`] at the instant `now` (for tests of the refill).
    pub(crate) fn take_token_at(
        &self,
        key: &str,
        capacity: u32,
        per: Duration,
        now: Instant,
    ) -> bool {
        let mut inner = self.lock();
        inner.sweep_if_due(now);
        let capacity = f64::from(capacity.max(1));
        let bucket = inner.buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: capacity,
            last: now,
            full_at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        let per_sec = per.as_secs_f64().max(f64::MIN_POSITIVE);
        bucket.tokens = (bucket.tokens + elapsed * capacity / per_sec).min(capacity);
        bucket.last = now;
        let taken = bucket.tokens >= 1.0;
        if taken {
            bucket.tokens -= 1.0;
        }
        bucket.full_at = now + per.mul_f64((capacity - bucket.tokens) / capacity);
        taken
    }
}

impl Inner {
    fn sweep_if_due(&mut self, now: Instant) {
        self.writes = self.writes.wrapping_add(1);
        if !self.writes.is_multiple_of(SWEEP_EVERY) {
            return;
        }
        self.values.retain(|_, (_, expires)| *expires > now);
        self.buckets.retain(|_, b| b.full_at > now);
    }
}

impl StateStore for MemoryState {
    fn put(&self, entries: &[(&str, &[u8])], ttl: Duration) -> Result<(), StateError> {
        for (_, value) in entries {
            check_size(value)?;
        }
        let now = Instant::now();
        let mut inner = self.lock();
        inner.sweep_if_due(now);
        for (key, value) in entries {
            inner
                .values
                .insert((*key).to_owned(), (value.to_vec(), now + ttl));
        }
        Ok(())
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StateError> {
        let now = Instant::now();
        Ok(self
            .lock()
            .values
            .get(key)
            .filter(|(_, expires)| *expires > now)
            .map(|(v, _)| v.clone()))
    }

    fn put_new(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, StateError> {
        check_size(value)?;
        let now = Instant::now();
        let mut inner = self.lock();
        inner.sweep_if_due(now);
        if inner.values.get(key).is_some_and(|(_, e)| *e > now) {
            return Ok(false);
        }
        inner
            .values
            .insert(key.to_owned(), (value.to_vec(), now + ttl));
        Ok(true)
    }

    fn take_token(&self, key: &str, capacity: u32, per: Duration) -> Result<bool, StateError> {
        Ok(self.take_token_at(key, capacity, per, Instant::now()))
    }

    fn is_shared(&self) -> bool {
        false
    }

    fn describe(&self) -> String {
        "in memory (this process only)".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_empties_then_refills() {
        let state = MemoryState::new();
        let per = Duration::from_secs(1);
        let t0 = Instant::now();
        assert!(state.take_token_at("p", 2, per, t0));
        assert!(state.take_token_at("p", 2, per, t0));
        assert!(!state.take_token_at("p", 2, per, t0));
        // another key has its own bucket
        assert!(state.take_token_at("q", 2, per, t0));
        assert!(state.take_token_at("p", 2, per, t0 + Duration::from_millis(600)));
    }

    #[test]
    fn expired_values_are_gone_and_swept() {
        let state = MemoryState::new();
        state.put(&[("k", b"v")], Duration::ZERO).unwrap();
        assert_eq!(state.get("k").unwrap(), None);
        assert!(state.put_new("k", b"w", Duration::from_secs(60)).unwrap());
        for i in 0..SWEEP_EVERY {
            state
                .put(&[(&format!("gone{i}"), b"v")], Duration::ZERO)
                .unwrap();
        }
        assert!(state.lock().values.len() < 10, "expired entries were swept");
    }
}
