//! The state seam: what replicas of one server must share, behind one trait with two backends.
//!
//! - [`MemoryState`], the default: in this process, nothing to run. One replica only.
//! - [`RedisState`] (feature `redis`): a Redis 7 or Valkey server, shared by every replica.
//!
//! Through it go the vault's sealed records (ciphertext only), the rate-limit buckets and the
//! single-use markers (spent confirmation nonces). Keys never go through it: every replica reads
//! them from one key directory (`server::KeyDir`), and a shared store without one refuses to start.
//!
//! A store that cannot be reached is an error, [`StateError::Unavailable`], and every caller
//! fails closed on it: a call that needs the shared state is refused, never served from local
//! memory, which would let a replayed approval or an over-limit call through on a second
//! replica. Recovery is automatic when the store comes back.
//!
//! Key names are namespaced (`sigil:vault:…`, `sigil:rate:…`, `sigil:once:…`) and never hold a
//! secret or a principal's name: rate-limit keys are SHA-256 digests of principal and tool.

mod error;
mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::sync::Arc;
use std::time::Duration;

pub use error::StateError;
pub use memory::MemoryState;
#[cfg(feature = "redis")]
pub use redis::{RedisOptions, RedisState};

/// The largest value the seam takes, in bytes. A vault record is a value the scanner
/// intercepted plus some metadata; anything larger is refused rather than stored.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Shared state, as the pipeline, the vault, the rate limiter and the confirmation gate use it.
///
/// Every method is one round trip to the store. Implementations must be atomic per call:
/// [`put_new`](Self::put_new) and [`take_token`](Self::take_token) in particular decide under
/// concurrent callers on several replicas.
pub trait StateStore: Send + Sync + 'static {
    /// Stores each `(key, value)` pair, replacing what was there, to expire after `ttl`.
    fn put(&self, entries: &[(&str, &[u8])], ttl: Duration) -> Result<(), StateError>;

    /// The value under `key`, if one is there and has not expired.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StateError>;

    /// Stores `value` under `key` only if nothing is there; `true` if this call stored it. The
    /// first caller wins, on any replica: a single-use marker.
    fn put_new(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, StateError>;

    /// Takes one token from the bucket under `key`, which holds at most `capacity` tokens and
    /// refills fully over `per`; `false` when it is empty.
    fn take_token(&self, key: &str, capacity: u32, per: Duration) -> Result<bool, StateError>;

    /// Whether other processes share this state (then keys must come from a key directory).
    fn is_shared(&self) -> bool;

    /// What this store is, for the start-up banner: never a credential.
    fn describe(&self) -> String;
}

/// The state a server uses, shared by its parts.
pub type SharedState = Arc<dyn StateStore>;

/// The namespaced key `sigil:{kind}:{id}`.
pub(crate) fn key(kind: &str, id: &str) -> String {
    format!("sigil:{kind}:{id}")
}

/// Refuses a value above [`MAX_VALUE_BYTES`].
pub(crate) fn check_size(value: &[u8]) -> Result<(), StateError> {
    if value.len() > MAX_VALUE_BYTES {
        return Err(StateError::TooLarge {
            bytes: value.len(),
            max: MAX_VALUE_BYTES,
        });
    }
    Ok(())
}
