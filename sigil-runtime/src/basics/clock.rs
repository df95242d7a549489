//! The one clock: wall time as whole units since the Unix epoch.
//!
//! A time before 1970 reads as 0, and one past `u64::MAX` units as `u64::MAX`, so callers never
//! handle a clock error; a gate that compares against such a time fails closed on its own terms.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch at `t`.
pub fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Seconds since the Unix epoch at `t`.
pub fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    unix_ms(SystemTime::now())
}

/// Seconds since the Unix epoch, now.
pub fn now_secs() -> u64 {
    unix_secs(SystemTime::now())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn before_the_epoch_is_zero_and_units_agree() {
        assert_eq!(unix_ms(UNIX_EPOCH - Duration::from_secs(1)), 0);
        assert_eq!(unix_secs(UNIX_EPOCH - Duration::from_secs(1)), 0);
        let t = UNIX_EPOCH + Duration::from_millis(1_764_100_247_009);
        assert_eq!(unix_ms(t), 1_764_100_247_009);
        assert_eq!(unix_secs(t), 1_764_100_247);
    }
}
