//! Policy: trust gates, scopes and rate limits, deny by default.

mod rate;

pub use rate::{Rate, RateLimiter, RateParseError};
