//! A bound on how many front-door refusals reach the audit trail.
//!
//! Anyone can send garbage tokens; without a bound each one would append a record, so an attacker
//! could grow the audit log (and its disk) at network speed. Refusals are recorded up to a burst,
//! then at a steady rate; those not recorded are counted, and the next recorded refusal says how
//! many were left out, so the trail still shows that a flood happened and how big it was.

use std::sync::Mutex;
use std::time::Instant;

/// A token bucket for refusal records.
#[derive(Debug)]
pub(crate) struct RefusalThrottle {
    burst: f64,
    per_second: f64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    tokens: f64,
    updated: Instant,
    suppressed: u64,
}

impl RefusalThrottle {
    /// Records up to `burst` refusals at once, then `per_second`.
    pub(crate) fn new(burst: u32, per_second: f64, now: Instant) -> Self {
        Self {
            burst: f64::from(burst),
            per_second,
            state: Mutex::new(State {
                tokens: f64::from(burst),
                updated: now,
                suppressed: 0,
            }),
        }
    }

    /// `Some(n)` if this refusal is to be recorded, `n` being how many were left out since the
    /// last recorded one; `None` if it is to be left out (and counted).
    pub(crate) fn admit(&self, now: Instant) -> Option<u64> {
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let elapsed = now.saturating_duration_since(s.updated).as_secs_f64();
        s.tokens = (s.tokens + elapsed * self.per_second).min(self.burst);
        s.updated = now;
        if s.tokens >= 1.0 {
            s.tokens -= 1.0;
            Some(std::mem::take(&mut s.suppressed))
        } else {
            s.suppressed += 1;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_flood_is_cut_to_the_burst_then_the_rate_and_the_gap_is_counted() {
        let t0 = Instant::now();
        let throttle = RefusalThrottle::new(3, 1.0, t0);
        let admitted = (0..1000).filter(|_| throttle.admit(t0).is_some()).count();
        assert_eq!(admitted, 3);
        // A second later one more is recorded, saying 997 were left out.
        assert_eq!(throttle.admit(t0 + Duration::from_secs(1)), Some(997));
        assert_eq!(throttle.admit(t0 + Duration::from_secs(1)), None);
        // After a quiet spell the bucket is full again, never more than the burst.
        let later = t0 + Duration::from_secs(3600);
        assert_eq!(throttle.admit(later), Some(1));
        assert_eq!(throttle.admit(later), Some(0));
        assert_eq!(throttle.admit(later), Some(0));
        assert_eq!(throttle.admit(later), None);
    }
}
