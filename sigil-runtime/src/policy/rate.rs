//! Rate limits: `"10/min"`, enforced per principal and tool with a token bucket.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Token buckets keyed by (principal, tool). Capacity = `count`, refilled continuously.
#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<(String, String), Bucket>>,
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter").finish_non_exhaustive()
    }
}

impl RateLimiter {
    /// Takes one token for `principal` calling `tool`; `false` when the bucket is empty.
    pub fn try_acquire(&self, principal: &str, tool: &str, rate: Rate, now: Instant) -> bool {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let capacity = f64::from(rate.count);
        let bucket = buckets
            .entry((principal.to_owned(), tool.to_owned()))
            .or_insert(Bucket {
                tokens: capacity,
                last: now,
            });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate.per_second()).min(capacity);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
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
    fn bucket_empties_then_refills() {
        let limiter = RateLimiter::default();
        let rate = Rate::parse("2/sec").unwrap();
        let t0 = Instant::now();
        assert!(limiter.try_acquire("p", "t", rate, t0));
        assert!(limiter.try_acquire("p", "t", rate, t0));
        assert!(!limiter.try_acquire("p", "t", rate, t0));
        // another principal has its own bucket
        assert!(limiter.try_acquire("q", "t", rate, t0));
        assert!(limiter.try_acquire("p", "t", rate, t0 + Duration::from_millis(600)));
    }
}
