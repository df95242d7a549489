//! Identity: who is calling and at what trust level.

mod caller;
mod principal;
mod source;

pub use caller::{AuthMethod, Caller};
pub use principal::{Principal, TrustLevel};
pub use source::{ExtensionsOrDefault, IdentityRefused, IdentitySource};
