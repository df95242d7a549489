//! Risk: the one mandatory fact about a tool, from which trust floor, annotations and
//! confirmation follow.

use std::fmt;

use crate::basics::TrustLevel;

/// How much harm a tool can do. Mandatory on every tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Risk {
    /// Reads only; nothing sensitive changes.
    Low,
    /// Reads sensitive data or makes reversible changes.
    Medium,
    /// Makes changes that are hard to undo (moves money, sends mail).
    High,
    /// Irreversible or wide-reaching; always confirmed.
    Critical,
}

impl Risk {
    /// The lowest trust level a caller needs: Low->Low, Medium->Medium, High/Critical->High.
    pub fn trust_floor(self) -> TrustLevel {
        match self {
            Self::Low => TrustLevel::Low,
            Self::Medium => TrustLevel::Medium,
            Self::High | Self::Critical => TrustLevel::High,
        }
    }

    /// Whether the risk alone implies a human confirmation (Critical does).
    pub fn implies_confirm(self) -> bool {
        matches!(self, Self::Critical)
    }

    /// Lowercase name used in metadata, audit and config.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// The MCP annotation defaults this risk implies: `(read_only, destructive)`.
    pub fn default_hints(self) -> (bool, bool) {
        match self {
            Self::Low => (true, false),
            Self::Medium => (false, false),
            Self::High | Self::Critical => (false, true),
        }
    }

    /// Why an explicit hint contradicts this risk, if it does.
    ///
    /// Low tools are read-only and not destructive; High and Critical tools are destructive and
    /// not read-only; Medium tools may be refined either way except to destructive.
    pub fn contradiction(
        self,
        read_only: Option<bool>,
        destructive: Option<bool>,
    ) -> Option<&'static str> {
        match self {
            Self::Low if read_only == Some(false) => {
                Some("a `Low` risk tool is read-only; a tool that writes is at least `Medium`")
            }
            Self::Low | Self::Medium if destructive == Some(true) => {
                Some("a destructive tool is at least `High` risk")
            }
            Self::High | Self::Critical if read_only == Some(true) => {
                Some("a read-only tool is at most `Medium` risk")
            }
            Self::High | Self::Critical if destructive == Some(false) => Some(
                "a `High` or `Critical` risk tool is destructive; a non-destructive tool is at most `Medium`",
            ),
            _ => None,
        }
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
