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
    /// Images and audio, each after as many text blocks as were added before it.
    pub(crate) media: Vec<Media>,
}

/// An image or audio block: its bytes (base64) are scanned too, and the block is withheld when
/// they hold anything the scanner finds, since a pointer cannot stand inside them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Media {
    pub(crate) after_texts: usize,
    pub(crate) audio: bool,
    pub(crate) data: String,
    pub(crate) mime_type: String,
}

impl ToolOutput {
    /// One text block.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: vec![text.into()],
            ..Self::default()
        }
    }

    /// Structured content (also rendered as a JSON text block for older clients).
    pub fn structured(value: Value) -> Self {
        Self {
            text: vec![value.to_string()],
            structured: Some(value),
            ..Self::default()
        }
    }

    /// Text blocks and structured content as they are (a proxy forwarding another server's
    /// result: when one block is the rendering of the structured content, it stays one).
    pub fn blocks(text: Vec<String>, structured: Option<Value>) -> Self {
        Self {
            text,
            structured,
            ..Self::default()
        }
    }

    /// Adds a text block after the blocks so far.
    pub fn and_text(mut self, text: impl Into<String>) -> Self {
        self.text.push(text.into());
        self
    }

    /// Adds an image (`data` in base64) after the blocks so far. Its bytes are scanned like
    /// text (inside base64 too); when they hold a finding the image is withheld, with a text
    /// block saying so.
    pub fn and_image(self, data: impl Into<String>, mime_type: impl Into<String>) -> Self {
        self.and_media(false, data.into(), mime_type.into())
    }

    /// Adds an audio block, as [`ToolOutput::and_image`] does an image.
    pub fn and_audio(self, data: impl Into<String>, mime_type: impl Into<String>) -> Self {
        self.and_media(true, data.into(), mime_type.into())
    }

    fn and_media(mut self, audio: bool, data: String, mime_type: String) -> Self {
        self.media.push(Media {
            after_texts: self.text.len(),
            audio,
            data,
            mime_type,
        });
        self
    }

    pub(crate) fn into_content(self) -> (Vec<ContentBlock>, Option<Value>) {
        let mut content = Vec::with_capacity(self.text.len() + self.media.len());
        let mut media = self.media.into_iter().peekable();
        for (i, text) in self.text.into_iter().enumerate() {
            while let Some(m) = media.next_if(|m| m.after_texts <= i) {
                content.push(m.into_block());
            }
            content.push(ContentBlock::text(text));
        }
        content.extend(media.map(Media::into_block));
        (content, self.structured)
    }
}

impl Media {
    fn into_block(self) -> ContentBlock {
        if self.audio {
            ContentBlock::Audio(rmcp::model::AudioContent::new(self.data, self.mime_type))
        } else {
            ContentBlock::image(self.data, self.mime_type)
        }
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
