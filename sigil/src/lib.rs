//! SIGIL: secured MCP servers in Rust.
//!
//! Write ordinary async tool functions, mark each with its risk, and the framework puts every
//! call through one pipeline: identify the caller, authorize (trust, scopes, rate), validate
//! arguments against the advertised schema, confirm with a human where required, run, scan,
//! vault, audit, and reply with an envelope saying what happened.
//!
//! Users name this crate alone; the macros reach everything through [`__private`].

pub use sigil_macros::{server, tool};
pub use sigil_runtime as runtime;
pub use sigil_runtime::identity::{AuthMethod, Caller, Principal, TrustLevel};
pub use sigil_runtime::policy::Rate;
pub use sigil_runtime::tool::{
    FromGatedCall, GatedCall, Hints, IntoToolOutput, Json, Parameters, Risk, SigilService,
    ToolError, ToolOutput, ToolSpec,
};
pub use sigil_runtime::vault::DataKind;

/// What a tool author needs in scope.
pub mod prelude {
    pub use schemars::JsonSchema;
    pub use serde::{Deserialize, Serialize};

    pub use crate::{Caller, Json, Parameters, Risk, ToolError, TrustLevel};
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

    pub use sigil_runtime::identity::TrustLevel;
    pub use sigil_runtime::policy::Rate;
    pub use sigil_runtime::tool::{
        FromGatedCall, GatedCall, Hints, IntoToolOutput, Risk, ServerIdentity, SigilService,
        ToolEntry, ToolError, ToolOutput, ToolSpec, assert_extractor,
    };
    pub use sigil_runtime::vault::DataKind;

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
