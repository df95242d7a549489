//! JSON Schemas: generated from Rust types, normalised for clients, and enforced on arguments
//! (rmcp only deserializes; `minimum: 1` is ours to check).

mod exact_number;
mod normalize;
mod validate;

pub use normalize::{normalize, schema_for};
pub use validate::{CompiledSchema, SchemaError, Violation};
