//! Rate limits: `"10/min"`, enforced per principal and tool with a token bucket.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::state::{self, MemoryState, SharedState, StateError};

/// A rate: `count` calls per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    count: u32,
    per: Duration,
}

/// A rate string that does not parse. Names the input and the expected shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateParseError(String);

impl fmt::Display for RateParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid rate `{}`: expected `N/sec`, `N/min`, `N/hour` or `N/day` with N >= 1",
            self.0
        )
    }
}

impl std::error::Error for RateParseError {}

impl Rate {
    /// `count` calls per `per`.
    pub fn new(count: u32, per: Duration) -> Self {
        Self {
            count: count.max(1),
            per,
        }
    }

    /// Parses `N/sec|s|second`, `N/min|m|minute`, `N/hour|h`, `N/day|d`.
    pub fn parse(s: &str) -> Result<Self, RateParseError> {
        let err = || RateParseError(s.to_owned());
        let (n, unit) = s.trim().split_once('/').ok_or_else(err)?;
        let count: u32 = n.trim().parse().map_err(|_| err())?;
        if count == 0 {
            return Err(err());
        }
        let secs = match unit.trim() {
            "s" | "sec" | "second" => 1,
            "m" | "min" | "minute" => 60,
            "h" | "hour" => 3600,
            "d" | "day" => 86_400,
            _ => return Err(err()),
        };
        Ok(Self::new(count, Duration::from_secs(secs)))
    }

    /// Calls per second, for comparing two rates.
    pub fn per_second(&self) -> f64 {
        f64::from(self.count) / self.per.as_secs_f64()
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.per.as_secs() {
            1 => "sec",
            60 => "min",
            3600 => "hour",
            86_400 => "day",
            s => return write!(f, "{}/{}s", self.count, s),
        };
        write!(f, "{}/{unit}", self.count)
    }
}

/// Rate limits per (principal, tool), as token buckets in the state store: capacity `count`,
/// refilled continuously over `per`. With a shared store, every replica takes from the same
/// bucket, so `10/min` is ten calls a minute in all.
pub struct RateLimiter {
    state: SharedState,
}

impl Default for RateLimiter {
    /// Buckets in this process's memory.
    fn default() -> Self {
        Self::new(Arc::new(MemoryState::new()))
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("state", &self.state.describe())
            .finish()
    }
}

impl RateLimiter {
    /// Buckets in `state`.
    pub fn new(state: SharedState) -> Self {
        Self { state }
    }

    /// Takes one token for `principal` calling `tool`; `Ok(false)` when the bucket is empty,
    /// `Err` when the store cannot say (the caller refuses the call).
    ///
    /// The bucket's key is a digest of principal, tool and rate: no name reaches the store.
    pub fn try_acquire(&self, principal: &str, tool: &str, rate: Rate) -> Result<bool, StateError> {
        let mut digest = Sha256::new();
        for part in [principal, tool, &rate.to_string()] {
            digest.update((part.len() as u64).to_be_bytes());
            digest.update(part.as_bytes());
        }
        let id: String = digest
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.state
            .take_token(&state::key("rate", &id), rate.count, rate.per)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(
            Rate::parse("10/min").unwrap(),
            Rate::new(10, Duration::from_secs(60))
        );
        assert_eq!(Rate::parse("1/day").unwrap().to_string(), "1/day");
        for bad in ["", "10", "0/min", "-1/min", "10/fortnight", "ten/min"] {
            assert!(Rate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn buckets_are_per_principal_and_tool() {
        let limiter = RateLimiter::default();
        let rate = Rate::parse("2/min").unwrap();
        assert!(limiter.try_acquire("p", "t", rate).unwrap());
        assert!(limiter.try_acquire("p", "t", rate).unwrap());
        assert!(!limiter.try_acquire("p", "t", rate).unwrap());
        assert!(limiter.try_acquire("q", "t", rate).unwrap());
        assert!(limiter.try_acquire("p", "u", rate).unwrap());
        // Lengths are part of the key: ("pt", "") is not ("p", "t").
        assert!(limiter.try_acquire("pt", "", rate).unwrap());
    }
}
