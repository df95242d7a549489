//! The content seam: where the scanner and the vault plug into the pipeline.

use serde_json::{Map, Value};

use crate::identity::Caller;
use crate::scan::Category;
use crate::tool::{ToolOutput, ToolSpec};

/// Which side of a call a guard was looking at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// What the client sent, before the tool runs.
    Arguments,
    /// What the tool returned.
    Result,
}

impl Side {
    /// `arguments` or `result`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Arguments => "arguments",
            Self::Result => "result",
        }
    }
}

/// Why a guard stopped a call. The tool does not run (arguments) or its result is not sent
/// (result). Never holds the value itself.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Blocked {
    /// A value in a category whose configured action is `block`.
    Content {
        /// Where it was found.
        side: Side,
        /// Its category.
        category: Category,
        /// The rule that found it.
        rule: String,
    },
    /// The vault's store could not be reached: an intercepted value cannot be replaced by a
    /// pointer, so the result is withheld rather than sent in clear; or a pointer in the
    /// arguments cannot be resolved, so the tool does not run.
    VaultUnavailable,
}

impl std::fmt::Display for Blocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Content {
                side,
                category,
                rule,
            } => {
                let verb = match side {
                    Side::Arguments => "the arguments contain",
                    Side::Result => "the result contains",
                };
                write!(f, "{verb} {} data (rule `{rule}`)", category.as_str())
            }
            Self::VaultUnavailable => {
                f.write_str("the vault could not be reached to store or resolve a value")
            }
        }
    }
}

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
    /// scan the arguments and the request's `_meta` (which the tool does not receive, but which
    /// reaches the audit trail). `Err` blocks the call.
    fn inbound(
        &self,
        caller: &Caller,
        spec: &ToolSpec,
        args: &mut Map<String, Value>,
        meta: &Map<String, Value>,
    ) -> Result<GuardReport, Blocked>;

    /// After the tool ran: scan the output, vault what is intercepted, replace it by pointers.
    fn outbound(
        &self,
        caller: &Caller,
        spec: &ToolSpec,
        output: &mut ToolOutput,
    ) -> Result<GuardReport, Blocked>;

    /// Other content on its way to the client (prompt messages, resource contents, the
    /// listings of prompts and resources), as JSON: scanned and vaulted as a result is.
    /// Base64 bytes (a resource's `blob`, an image's `data`) that hold a finding are withheld.
    fn outbound_content(&self, caller: &Caller, value: &mut Value) -> Result<GuardReport, Blocked>;

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

    /// Whether this guard scans at all. A server refuses a guard that says `false` unless it was
    /// built with `Dangerous::NoScanning`.
    fn scans(&self) -> bool {
        true
    }

    /// What this guard does, in a few words, for the server's start-up banner.
    fn describe(&self) -> String {
        "a custom content guard".to_owned()
    }
}

/// A guard that passes everything and reports `scanned: false`. A server takes it only with
/// `Dangerous::NoScanning`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoGuard;

impl ContentGuard for NoGuard {
    fn inbound(
        &self,
        _: &Caller,
        _: &ToolSpec,
        _: &mut Map<String, Value>,
        _: &Map<String, Value>,
    ) -> Result<GuardReport, Blocked> {
        Ok(GuardReport::default())
    }

    fn outbound(
        &self,
        _: &Caller,
        _: &ToolSpec,
        _: &mut ToolOutput,
    ) -> Result<GuardReport, Blocked> {
        Ok(GuardReport::default())
    }

    fn outbound_content(&self, _: &Caller, _: &mut Value) -> Result<GuardReport, Blocked> {
        Ok(GuardReport::default())
    }

    fn scans(&self) -> bool {
        false
    }

    fn describe(&self) -> String {
        "off (Dangerous::NoScanning): arguments and results pass unscanned".to_owned()
    }
}
