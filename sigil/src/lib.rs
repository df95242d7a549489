//! SIGIL: secured MCP servers in Rust.
//!
//! Write ordinary async tool functions, mark each with its risk, and the framework puts every
//! call through one pipeline: identify the caller, authorize (trust, scopes, rate), validate
//! arguments against the advertised schema, confirm with a human where required, run, scan,
//! vault, audit, and reply with an envelope saying what happened.
//!
//! ```
//! use sigil::prelude::*;
//! use sigil::server::Dangerous;
//!
//! #[derive(Deserialize, JsonSchema)]
//! struct Transfer {
//!     /// Destination IBAN.
//!     to_iban: String,
//!     #[schemars(range(min = 1))]
//!     amount_cents: u64,
//! }
//!
//! struct Bank;
//!
//! #[sigil::server(name = "bank", version = "1.0")]
//! impl Bank {
//!     /// The balance, in cents.
//!     #[sigil::tool(risk = Low)]
//!     async fn balance(&self) -> Result<String, ToolError> {
//!         Ok("100000".into())
//!     }
//!
//!     /// Move money: the caller needs trust High, and a human approves this exact call.
//!     #[sigil::tool(risk = High, confirm, reveal = [Iban])]
//!     async fn transfer(&self, Parameters(t): Parameters<Transfer>) -> Result<String, ToolError> {
//!         Ok(format!("sent {} cents to {}", t.amount_cents, t.to_iban))
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = SigilServer::for_service(Bank)
//!     .default_caller(Caller::local("me", TrustLevel::High))
//! #   .dangerous(Dangerous::MemoryAudit)
//! #   .dangerous(Dangerous::NoScanning)
//!     .build()?;
//! assert_eq!(server.tools().len(), 2);
//! // In `#[tokio::main] async fn main`: server.serve_stdio().await?;
//! # Ok(()) }
//! ```
//!
//! Built with no choices, a server scans every argument and result with the default rule pack,
//! vaults what leaks, and keeps a signed, hash-chained audit log in the data directory. Giving
//! either up takes [`server::Dangerous`]. (The example above gives both up, hidden, so that it
//! writes nothing to disk when it runs as a test.)
//!
//! # What every call gets
//!
//! - **Identity**: a local caller on stdio, or verified credentials over HTTP: OIDC bearer
//!   tokens (RFC 9068, introspection), eIDAS qualified certificates over mTLS, an EUDI Wallet PID
//!   step-up. Each becomes a principal and a trust level.
//! - **Gates**: trust, scopes and rate limits, deny by default; `sigil.toml` can only tighten them.
//! - **Schema**: arguments checked against the advertised JSON Schema; undeclared arguments and
//!   numbers the Rust type cannot hold are refused.
//! - **Confirmation**: `confirm` tools ask a human through MCP elicitation, bound to the digest
//!   of the exact call; the human sees every argument in full.
//! - **Scanning and vault**: secrets, financial data and PII in arguments and results are found;
//!   what results leak is encrypted into the vault and replaced by opaque pointers.
//! - **Audit**: every decision in a signed, hash-chained log with Merkle checkpoints
//!   (`sigil audit verify`), and an envelope on every reply that says what was decided.
//!
//! # Where things are
//!
//! | Module | What is in it |
//! |---|---|
//! | the root | the macros, [`SigilServer`], and what a tool author writes: [`Caller`], [`Parameters`], [`Json`], [`Risk`], [`ToolError`], [`TrustLevel`] |
//! | [`server`](mod@server) | the builder, its errors, the safe defaults given up by name, HTTPS |
//! | [`identity`] | callers and principals; OIDC resource server, PID step-up, qualified certificates |
//! | [`scan`] | the scanner and rule packs, and the guard that puts it in the pipeline |
//! | [`vault`] | encrypted values behind opaque pointers |
//! | [`audit`] | the tamper-evident audit log, its keys and its verifier |
//! | [`config`] | `sigil.toml`, which can only tighten what the code declares |
//! | [`envelope`] | what every reply says about the call, and the error codes |
//! | [`tool`](mod@tool) | extension points: tool specs, gated calls, outputs, content guards |
//!
//! The guide is the mdBook in the repository's `docs/` (`mdbook build docs`): getting started, the
//! call pipeline, the threat model, the macro reference, configuration, identity, scanning, the
//! vault, the audit format and the architecture.

pub use sigil_macros::{server, tool};
pub use sigil_runtime::basics::{DataKind, Principal, TrustLevel};
pub use sigil_runtime::identity::{AuthMethod, Caller};
pub use sigil_runtime::server::SigilServer;
pub use sigil_runtime::tool::{Json, Parameters, Risk, ToolError, ToolOutput};

/// What a tool author needs in scope.
pub mod prelude {
    pub use schemars::JsonSchema;
    pub use serde::{Deserialize, Serialize};

    pub use crate::{Caller, Json, Parameters, Risk, SigilServer, ToolError, TrustLevel};
}

/// Building and serving a server: the builder, its errors, the safe defaults given up by name,
/// and HTTPS.
pub mod server {
    pub use sigil_runtime::server::{
        BuildError, Dangerous, HttpsConfig, KeyDir, KeyDirError, Served, SigilServer,
        SigilServerBuilder, ToolDef,
    };
}

/// State that several replicas of one server share (rate limits, spent approvals, vault
/// records): in memory by default, on Redis with the `redis` feature. See
/// [`SigilServerBuilder::state`](server::SigilServerBuilder::state).
pub mod state {
    pub use sigil_runtime::state::*;
}

/// Who is calling: callers, principals and trust levels, and the ways to verify them (OIDC
/// resource server, EUDI Wallet PID step-up, eIDAS qualified certificates over mTLS).
pub mod identity {
    pub use sigil_runtime::identity::*;
}

/// The scanner: rule packs, hits, and `ScanVaultGuard`, the content guard that scans every
/// argument and result and vaults what leaks.
pub mod scan {
    pub use sigil_runtime::pipeline::ScanVaultGuard;
    pub use sigil_runtime::scan::*;
}

/// The vault: values encrypted under a master key, replaced by opaque pointers.
pub mod vault {
    pub use sigil_runtime::vault::*;
}

/// The audit trail: a signed, hash-chained log, its keys, sinks and verifier.
pub mod audit {
    pub use sigil_runtime::audit::*;
}

/// `sigil.toml`: configuration that can only tighten what the code declares.
pub mod config {
    pub use sigil_runtime::config::*;
}

/// The envelope every reply carries, the refusals and their JSON-RPC error codes.
pub mod envelope {
    pub use sigil_runtime::confirm::ConfirmRefusal;
    pub use sigil_runtime::envelope::*;
    pub use sigil_runtime::pipeline::{Refusal, URL_ELICITATION_REQUIRED, codes};
}

/// Extension points: what the macros generate against, for tools known only at run time and
/// for custom content guards.
pub mod tool {
    pub use sigil_runtime::pipeline::{Blocked, ContentGuard, GuardReport, NoGuard, Side};
    pub use sigil_runtime::policy::Rate;
    pub use sigil_runtime::tool::*;
}

/// Used by generated code. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use std::boxed::Box;
    pub use std::convert::From;
    pub use std::option::Option::{self, None, Some};
    pub use std::result::Result::{self, Err, Ok};
    pub use std::string::String;
    pub use std::sync::Arc;
    pub use std::vec::Vec;
    pub use std::{env, stringify, vec};

    pub use sigil_runtime::basics::{DataKind, TrustLevel};
    pub use sigil_runtime::policy::Rate;
    pub use sigil_runtime::tool::{
        FromGatedCall, GatedCall, Hints, IntoToolOutput, Risk, ServerIdentity, SigilService,
        ToolEntry, ToolError, ToolOutput, ToolSpec, assert_extractor,
    };

    /// A rate string the macro already checked.
    pub fn rate(s: &'static str) -> Rate {
        match Rate::parse(s) {
            Ok(r) => r,
            Err(e) => panic!("{e} (the #[sigil::tool] macro should have refused it)"),
        }
    }

    /// A compile-time check that `T` can be returned from a tool, spanned at the return type.
    pub fn assert_output<T: IntoToolOutput>() {}

    /// Passes a tool method's future through unchanged, requiring it to be `Send`, so that a
    /// future that is not is reported at the method's name.
    pub fn assert_send<F: std::future::Future + Send>(future: F) -> F {
        future
    }
}

/// Every Rust block of the guide (`docs/src`) is compiled as a doc-test of this crate; a page's
/// block that cannot be is marked `ignore` and shows a file that CI compiles instead
/// (`{{#include ...}}`) or a sketch.
#[cfg(doctest)]
mod guide {
    #[doc = include_str!("../../docs/src/architecture.md")]
    struct Architecture;
    #[doc = include_str!("../../docs/src/audit-format.md")]
    struct AuditFormat;
    #[doc = include_str!("../../docs/src/configuration.md")]
    struct Configuration;
    #[doc = include_str!("../../docs/src/envelope.md")]
    struct Envelope;
    #[doc = include_str!("../../docs/src/getting-started.md")]
    struct GettingStarted;
    #[doc = include_str!("../../docs/src/identity-pid.md")]
    struct IdentityPid;
    #[doc = include_str!("../../docs/src/identity-qualified-certs.md")]
    struct IdentityQualifiedCerts;
    #[doc = include_str!("../../docs/src/identity.md")]
    struct Identity;
    #[doc = include_str!("../../docs/src/introduction.md")]
    struct Introduction;
    #[doc = include_str!("../../docs/src/macros.md")]
    struct Macros;
    #[doc = include_str!("../../docs/src/pipeline.md")]
    struct Pipeline;
    #[doc = include_str!("../../docs/src/scan-packs.md")]
    struct ScanPacks;
    #[doc = include_str!("../../docs/src/scan-rules.md")]
    struct ScanRules;
    #[doc = include_str!("../../docs/src/threat-model.md")]
    struct ThreatModel;
    #[doc = include_str!("../../docs/src/vault.md")]
    struct Vault;
}
