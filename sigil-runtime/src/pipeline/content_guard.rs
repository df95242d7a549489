//! The content seam: where the scanner and the vault plug into the pipeline.

use serde_json::{Map, Value};

use crate::identity::Caller;
use crate::tool::{ToolOutput, ToolSpec};

/// What a guard did to one side of a call (never the values themselves).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuardReport {
    /// Whether the content was scanned at all.
    pub scanned: bool,
    /// How many values were intercepted (replaced by pointers).
    pub interceptions: u32,
    /// Rule ids with hit counts.
    pub rules: Vec<(String, u32)>,
    /// Vault pointers resolved for the tool, by kind tag.
    pub resolved: Vec<String>,
    /// Vault pointers left opaque, with the reason.
    pub refused: Vec<String>,
}

/// Scans and rewrites what goes into and out of a tool.
pub trait ContentGuard: Send + Sync + 'static {
    /// Before the tool runs (after schema validation): resolve vault pointers the tool may see,
    /// scan arguments. `Err` blocks the call with that reason.
    fn inbound(
        &self,
        caller: &Caller,
        spec: &ToolSpec,
        args: &mut Map<String, Value>,
    ) -> Result<GuardReport, String>;

    /// After the tool ran: scan the output, vault what is intercepted, replace it by pointers.
    fn outbound(
        &self,
        caller: &Caller,
        spec: &ToolSpec,
        output: &mut ToolOutput,
    ) -> Result<GuardReport, String>;

    /// What a confirmation shows of `text`, an argument value `spec`'s tool will receive:
    /// values of the kinds it receives in clear in full, other sensitive values masked so that
    /// two different values never look alike (see `pipeline::preview_mask`).
    fn preview_mask(&self, spec: &ToolSpec, text: &str) -> String {
        let _ = spec;
        text.to_owned()
    }

    /// `text`, which came from the client, made safe for the audit log, stderr and tracing:
    /// sensitive values replaced by their kind, invisible characters made visible.
    fn log_safe(&self, text: &str) -> String {
        crate::confirm::visible_line(text)
    }
}

/// The guard used until a scanner is configured: passes everything, reports `scanned: false`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoGuard;

impl ContentGuard for NoGuard {
    fn inbound(
        &self,
        _: &Caller,
        _: &ToolSpec,
        _: &mut Map<String, Value>,
    ) -> Result<GuardReport, String> {
        Ok(GuardReport::default())
    }

    fn outbound(
        &self,
        _: &Caller,
        _: &ToolSpec,
        _: &mut ToolOutput,
    ) -> Result<GuardReport, String> {
        Ok(GuardReport::default())
    }
}
