//! What the scanner reports: where a sensitive value is, never the value itself.

use std::ops::Range;
use std::sync::Arc;

use super::encoding::Encoding;
use crate::basics::DataKind;

/// The family a rule belongs to; actions are configured per category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Credentials that grant access (API keys, tokens, private keys).
    Credential,
    /// Other secrets (passwords in connection strings, high-entropy values).
    Secret,
    /// Financial data (IBAN, cards, BIC).
    Financial,
    /// Personal data (e-mail, phone, national IDs).
    Pii,
}

impl Category {
    /// Lowercase name used in rule packs, config and audit.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Credential => "credential",
            Self::Secret => "secret",
            Self::Financial => "financial",
            Self::Pii => "pii",
        }
    }
}

/// How bad a leak of the value would be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Lowercase name used in rule packs, config and audit.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

/// One finding. Carries the rule and the byte span in the scanned text, never the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Rule id, e.g. `aws-access-key-id`.
    pub rule: Arc<str>,
    /// The rule's category.
    pub category: Category,
    /// The rule's severity.
    pub severity: Severity,
    /// What the vault stores the value as.
    pub kind: DataKind,
    /// Byte span in the original input (for JSON: in the raw JSON text, escapes included).
    /// For a value found by decoding, the span of the whole encoded run.
    pub span: Range<usize>,
    /// The encoding the value was found inside (the outermost one), if it was not in the clear.
    pub encoding: Option<Encoding>,
}
