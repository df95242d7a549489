//! What an OAuth 2.1 resource server publishes and answers (MCP authorization, RFC 9728,
//! RFC 6750, RFC 9470): its Protected Resource Metadata document, where it lives, and the
//! `WWW-Authenticate` challenges of 401 and 403 replies.
//!
//! ```
//! use sigil_runtime::identity::resource_metadata::{
//!     BearerChallenge, ProtectedResourceMetadata, metadata_url,
//! };
//!
//! let resource = "https://mcp.example.eu/mcp";
//! let doc = ProtectedResourceMetadata::new(resource)
//!     .authorization_server("https://login.example.eu")
//!     .scopes(["bank:read", "bank:transfer"]);
//! assert_eq!(doc.to_json()["bearer_methods_supported"][0], "header");
//!
//! let url = metadata_url(resource).unwrap();
//! assert_eq!(url, "https://mcp.example.eu/.well-known/oauth-protected-resource/mcp");
//! let challenge = BearerChallenge::missing_token(&url).with_scopes(["bank:read"]);
//! assert_eq!(challenge.status(), 401);
//! assert_eq!(
//!     challenge.to_string(),
//!     r#"Bearer resource_metadata="https://mcp.example.eu/.well-known/oauth-protected-resource/mcp", scope="bank:read""#
//! );
//! ```

mod challenge;
mod document;
mod well_known;

pub use challenge::BearerChallenge;
pub use document::ProtectedResourceMetadata;
pub use well_known::{WELL_KNOWN_PREFIX, metadata_path, metadata_paths, metadata_url};
