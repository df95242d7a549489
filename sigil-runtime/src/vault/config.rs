//! How the vault behaves: time to live, deduplication, purging.

use std::time::Duration;

/// How the vault behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VaultConfig {
    /// How long a stored value can be resolved. Default: 24 hours.
    pub ttl: Duration,
    /// Whether storing the same value again (same owner, kind and trust) returns the same
    /// pointer and renews its expiry. Default: on. Off, every store gets a fresh pointer.
    pub dedup: bool,
    /// How often `store` drops expired records on its own. Default: 5 minutes.
    pub purge_interval: Duration,
}

impl Default for VaultConfig {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(24 * 60 * 60),
            dedup: true,
            purge_interval: Duration::from_secs(5 * 60),
        }
    }
}

impl VaultConfig {
    /// The same configuration with another time to live.
    pub fn with_ttl(self, ttl: Duration) -> Self {
        Self { ttl, ..self }
    }

    /// The same configuration with deduplication on or off.
    pub fn with_dedup(self, dedup: bool) -> Self {
        Self { dedup, ..self }
    }

    /// The same configuration with another automatic purge interval.
    pub fn with_purge_interval(self, purge_interval: Duration) -> Self {
        Self {
            purge_interval,
            ..self
        }
    }
}
