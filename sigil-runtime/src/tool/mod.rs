//! Tools: how they are described (risk, spec, schemas) and how they are called (extractors,
//! outputs, the gated call).

mod entry;
mod error;
mod extract;
mod gated;
mod output;
mod risk;
mod spec;

pub(crate) use entry::{BoundTool, ErasedHandler};
pub use entry::{BoxFuture, ServerIdentity, SigilService, ToolEntry};
pub use error::{ToolError, ToolErrorKind};
pub use extract::{FromGatedCall, Parameters, assert_extractor};
pub use gated::{Approved, GatedCall};
pub use output::{IntoToolOutput, Json, ToolOutput};
pub use risk::Risk;
pub use spec::{Hints, ToolSpec};
