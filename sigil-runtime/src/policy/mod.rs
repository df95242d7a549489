//! Policy: who may call what, and how often. The trust and scope gate ([`authorize`]) and the
//! rate limits ([`RateLimiter`]), both deny by default. Configuration may only tighten them
//! (see `config`).

mod gate;
mod rate;

pub use gate::{Denied, authorize};
pub use rate::{Rate, RateLimiter, RateParseError};
