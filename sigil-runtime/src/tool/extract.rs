//! Extractors: the arguments a tool function may take, each built from the gated call.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::identity::Caller;
use crate::schema;
use crate::tool::{GatedCall, ToolError};

/// Something a tool function can take as an argument, built from the call that passed the gate.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a sigil extractor",
    label = "tool arguments must be extractors",
    note = "a tool method takes `&self`, then extractors: `Caller`, `Parameters<T>` (T: Deserialize + JsonSchema), or a type implementing `sigil::tool::FromGatedCall`",
    note = "see the docs of `sigil::tool` and `sigil::tool::FromGatedCall` (`cargo doc -p sigil --open`)"
)]
pub trait FromGatedCall: Sized + Send + 'static {
    /// Builds the value, or refuses the call with a tool error.
    fn from_gated(call: &GatedCall) -> Result<Self, ToolError>;

    /// The JSON Schema of the tool's arguments, if this extractor defines it.
    fn input_schema() -> Option<Map<String, Value>> {
        None
    }
}

impl FromGatedCall for Caller {
    fn from_gated(call: &GatedCall) -> Result<Self, ToolError> {
        Ok(call.caller().clone())
    }
}

/// The tool's arguments, deserialized into `T`; `T`'s JSON Schema is the tool's input schema,
/// and the pipeline validates arguments against it before the tool runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameters<T>(pub T);

impl<T> FromGatedCall for Parameters<T>
where
    T: DeserializeOwned + JsonSchema + Send + 'static,
{
    fn from_gated(call: &GatedCall) -> Result<Self, ToolError> {
        T::deserialize(Value::Object(call.arguments().clone()))
            .map(Parameters)
            .map_err(|e| ToolError::invalid_arguments(format!("invalid arguments: {e}")))
    }

    fn input_schema() -> Option<Map<String, Value>> {
        Some(schema::schema_for::<T>())
    }
}

/// Used by generated code: a compile-time check that `T` is an extractor, spanned at the
/// user's argument type.
pub fn assert_extractor<T: FromGatedCall>() {}
