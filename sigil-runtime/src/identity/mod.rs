//! Identity: who is calling and at what trust level.

mod principal;

pub use principal::{Principal, TrustLevel};
