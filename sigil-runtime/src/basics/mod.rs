//! The ground floor: the vocabulary every part of SIGIL shares, and the few helpers with one
//! rule each. Scanning, the vault, identity and audit stand side by side on it.
//!
//! Nothing here imports another module of this crate.

mod clock;
mod data_dir;
mod data_kind;
mod principal;
pub mod private_file;
mod tls_provider;

pub use clock::{now_ms, now_secs, unix_ms, unix_secs};
pub use data_dir::{NoDataDir, data_dir, data_dir_from};
pub use data_kind::DataKind;
pub use principal::{Principal, TrustLevel};
pub use tls_provider::tls_provider;
