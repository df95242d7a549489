//! The sealed confirmation state: what an approval is bound to.
//!
//! Sealed with rmcp's `RequestStateCodec` (HMAC-SHA-256, per-process random key, TTL), so a
//! client can echo it but not forge or alter it. The pipeline checks every bound field against
//! the retried call and spends the nonce once.

use serde::{Deserialize, Serialize};

/// What one confirmation request is bound to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ConfirmBinding {
    /// Format version.
    pub(crate) v: u8,
    /// Canonical principal.
    pub(crate) principal: String,
    /// Tool name.
    pub(crate) tool: String,
    /// Hex SHA-256 of the canonical arguments.
    pub(crate) digest: String,
    /// 128 random bits, hex: the approval's single-use id.
    pub(crate) nonce: String,
    /// Expiry, seconds since the Unix epoch.
    pub(crate) exp: u64,
}
