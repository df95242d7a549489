//! The vault: intercepted values, encrypted, behind opaque pointers.
//!
//! A value the scanner intercepts is sealed with AES-256-GCM under a per-record key and replaced
//! by a pointer such as `[SIGIL-VAULT: IBAN:k5q2...]`. The pointer resolves back to the value
//! only for the principal that owns it, at or above the trust it was stored at, into a tool
//! whose `reveal` lists its kind, and before it expires. Everything else is a typed
//! [`VaultRefusal`], and the pointer stays opaque.
//!
//! ```
//! use sigil_runtime::identity::{Principal, TrustLevel};
//! use sigil_runtime::vault::{MasterKey, ResolveRequest, Vault, DataKind, VaultRefusal};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let vault = Vault::in_memory(MasterKey::generate()?);
//! let alice = Principal::Local { user: "alice".into() };
//! let pointer = vault.store("DE89370400440532013000", DataKind::Iban, &alice, TrustLevel::Low)?;
//! assert!(pointer.to_string().starts_with("[SIGIL-VAULT: IBAN:"));
//!
//! // A tool declaring `reveal = [Iban]`, called by alice, gets the value.
//! let req = ResolveRequest::new(&alice, TrustLevel::Low, &[DataKind::Iban]);
//! assert_eq!(vault.resolve(&pointer, &req)?.as_str(), "DE89370400440532013000");
//!
//! // A tool without `reveal` does not.
//! let req = ResolveRequest::new(&alice, TrustLevel::Low, &[]);
//! assert_eq!(vault.resolve(&pointer, &req), Err(VaultRefusal::KindNotRevealed));
//! # Ok(())
//! # }
//! ```
//!
//! The pipeline resolves pointers inside decoded tool arguments with
//! [`Vault::resolve_in_value`], and audits each [`ResolveOutcome`]. The design is described in
//! `docs/src/vault.md`.

mod config;
mod error;
mod file_store;
mod hex;
mod key_text;

mod master_key;
mod pointer;
mod record;
mod record_line;
mod resolve_request;
mod resolve_text;
mod seal;
mod service;
mod shared_store;
mod store;

pub use crate::basics::DataKind;
pub use config::VaultConfig;
pub use error::VaultError;
pub use file_store::FileStore;
pub use master_key::MasterKey;
pub use pointer::{Pointer, PointerId, find_pointers, looks_like_pointer};
pub use record::SealedRecord;
pub use resolve_request::{ResolveOutcome, ResolveRequest, VaultRefusal};
pub use service::Vault;
pub use shared_store::SharedStore;
pub use store::{MemoryStore, VaultStore};
