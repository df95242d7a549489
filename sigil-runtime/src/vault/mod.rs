//! The vault: intercepted values, encrypted, behind opaque pointers.

mod kind;

pub use kind::VaultKind;
