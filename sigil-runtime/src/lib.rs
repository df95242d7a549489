//! SIGIL runtime: the call pipeline and the security subsystems behind it.
//!
//! Users name the `sigil` facade crate; this crate holds the machinery.

pub mod audit;
pub mod identity;
pub mod policy;
pub mod scan;
pub mod schema;
pub mod tool;
pub mod vault;
