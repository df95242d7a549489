//! `ToolError`: what a tool returns when it fails. Shown to the caller as a tool error result.

use std::fmt;

/// A tool's failure. The message goes to the caller (as `isError: true`), so it must hold no
/// secret; the pipeline scans it like any result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError {
    kind: ToolErrorKind,
    message: String,
}

/// What kind of failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ToolErrorKind {
    /// The tool ran and failed (business rule, upstream error).
    Failed,
    /// The arguments could not be turned into the tool's parameter type.
    InvalidArguments,
}

impl ToolError {
    /// The tool failed with a message for the caller.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            kind: ToolErrorKind::Failed,
            message: message.into(),
        }
    }

    /// The arguments were unusable.
    pub fn invalid_arguments(message: impl Into<String>) -> Self {
        Self {
            kind: ToolErrorKind::InvalidArguments,
            message: message.into(),
        }
    }

    /// What kind of failure.
    pub fn kind(&self) -> ToolErrorKind {
        self.kind
    }

    /// The message for the caller.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ToolError {}

impl From<String> for ToolError {
    fn from(message: String) -> Self {
        Self::new(message)
    }
}

impl From<&str> for ToolError {
    fn from(message: &str) -> Self {
        Self::new(message)
    }
}
