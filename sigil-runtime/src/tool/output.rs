//! What a tool returns, turned into an MCP result.

use rmcp::model::ContentBlock;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::schema;
use crate::tool::ToolError;

/// A tool's successful output: content blocks and optional structured content.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolOutput {
    pub(crate) text: Vec<String>,
    pub(crate) structured: Option<Value>,
}

impl ToolOutput {
    /// One text block.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: vec![text.into()],
            structured: None,
        }
    }

    /// Structured content (also rendered as a JSON text block for older clients).
    pub fn structured(value: Value) -> Self {
        Self {
            text: vec![value.to_string()],
            structured: Some(value),
        }
    }

    /// Text blocks and structured content as they are (a proxy forwarding another server's
    /// result: when one block is the rendering of the structured content, it stays one).
    pub fn blocks(text: Vec<String>, structured: Option<Value>) -> Self {
        Self { text, structured }
    }

    pub(crate) fn into_content(self) -> (Vec<ContentBlock>, Option<Value>) {
        (
            self.text.into_iter().map(ContentBlock::text).collect(),
            self.structured,
        )
    }
}

/// Structured output: `T` is serialized into `structuredContent` and its schema is the tool's
/// output schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Json<T>(pub T);

/// A return type a tool function may have.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a sigil tool",
    label = "unsupported return type",
    note = "return `Result<T, ToolError>` where T is `String`, `&'static str`, `()`, `Json<T>` or `ToolOutput`"
)]
pub trait IntoToolOutput: Send + 'static {
    /// Converts the value.
    fn into_tool_output(self) -> Result<ToolOutput, ToolError>;

    /// The output schema, if the type defines one.
    fn output_schema() -> Option<Map<String, Value>> {
        None
    }
}

impl IntoToolOutput for ToolOutput {
    fn into_tool_output(self) -> Result<ToolOutput, ToolError> {
        Ok(self)
    }
}

impl IntoToolOutput for String {
    fn into_tool_output(self) -> Result<ToolOutput, ToolError> {
        Ok(ToolOutput::text(self))
    }
}

impl IntoToolOutput for &'static str {
    fn into_tool_output(self) -> Result<ToolOutput, ToolError> {
        Ok(ToolOutput::text(self))
    }
}

impl IntoToolOutput for () {
    fn into_tool_output(self) -> Result<ToolOutput, ToolError> {
        Ok(ToolOutput::default())
    }
}

impl<T: Serialize + JsonSchema + Send + 'static> IntoToolOutput for Json<T> {
    fn into_tool_output(self) -> Result<ToolOutput, ToolError> {
        let value = serde_json::to_value(self.0)
            .map_err(|e| ToolError::new(format!("output not serializable: {e}")))?;
        Ok(ToolOutput::structured(value))
    }

    fn output_schema() -> Option<Map<String, Value>> {
        Some(schema::schema_for::<T>())
    }
}

impl<T: IntoToolOutput, E: Into<ToolError> + Send + 'static> IntoToolOutput for Result<T, E> {
    fn into_tool_output(self) -> Result<ToolOutput, ToolError> {
        self.map_err(Into::into)
            .and_then(IntoToolOutput::into_tool_output)
    }

    fn output_schema() -> Option<Map<String, Value>> {
        T::output_schema()
    }
}
