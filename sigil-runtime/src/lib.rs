//! SIGIL runtime: the call pipeline and the security subsystems behind it.
//!
//! Users name the `sigil` facade crate; this crate holds the machinery.

pub mod audit;
pub mod basics;
pub mod config;
pub mod confirm;
pub mod envelope;
pub mod identity;
pub mod pipeline;
pub mod policy;
pub mod scan;
pub mod schema;
pub mod server;
pub mod state;
pub mod tool;
pub mod vault;
