//! `GatedCall`: a call that passed every gate. Only the pipeline can make one, and a tool
//! handler needs one to run.

use serde_json::{Map, Value};

use crate::identity::Caller;

/// Proof that a call passed identity, policy, schema validation and (where required)
/// confirmation. It cannot be constructed outside this crate.
#[derive(Debug)]
pub struct Approved {
    _private: (),
    confirmed: bool,
}

impl Approved {
    /// Made by the pipeline's gate only.
    pub(crate) fn issue(confirmed: bool) -> Self {
        Self {
            _private: (),
            confirmed,
        }
    }

    /// Whether a human confirmed this call.
    pub fn confirmed(&self) -> bool {
        self.confirmed
    }
}

/// A call that passed the gate: the verified caller and the validated arguments (with vault
/// pointers the tool may see already resolved).
#[derive(Debug)]
pub struct GatedCall {
    approved: Approved,
    tool: String,
    caller: Caller,
    arguments: Map<String, Value>,
}

impl GatedCall {
    pub(crate) fn new(
        approved: Approved,
        tool: String,
        caller: Caller,
        arguments: Map<String, Value>,
    ) -> Self {
        Self {
            approved,
            tool,
            caller,
            arguments,
        }
    }

    /// The proof this call carries.
    pub fn approval(&self) -> &Approved {
        &self.approved
    }

    /// The tool's name.
    pub fn tool(&self) -> &str {
        &self.tool
    }

    /// The verified caller.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The validated arguments.
    pub fn arguments(&self) -> &Map<String, Value> {
        &self.arguments
    }
}
