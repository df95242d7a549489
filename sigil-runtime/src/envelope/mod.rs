//! The result envelope: `_meta["org.sigil-protocol/envelope"]`, what the server verified and did.

use serde::Serialize;

/// The `_meta` key of the envelope (our own prefix; MCP reserves `modelcontextprotocol`/`mcp`).
pub const ENVELOPE_KEY: &str = "org.sigil-protocol/envelope";

/// Prefix for our keys in `Tool._meta`.
pub const META_PREFIX: &str = "org.sigil-protocol/";

/// What the server verified and did for one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Envelope {
    /// Whether arguments and result were scanned.
    pub scanned: bool,
    /// How many values were intercepted into the vault.
    pub interceptions: u32,
    /// The audit record naming this call's outcome.
    pub audit_id: String,
    /// `allowed` or `confirmed`.
    pub decision: &'static str,
    /// The principal as verified by the server.
    pub principal: String,
    /// The trust level as verified by the server.
    pub trust_level: &'static str,
}
