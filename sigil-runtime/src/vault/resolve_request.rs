//! Who asks to resolve pointers, into what, and what came of each pointer.

use std::fmt;
use std::time::SystemTime;

use super::pointer::Pointer;
use crate::basics::DataKind;
use crate::basics::{Principal, TrustLevel};

/// The context a pointer is resolved in: the caller, its trust, the kinds the receiving tool
/// declares in `reveal`, and the time.
#[derive(Debug, Clone, Copy)]
pub struct ResolveRequest<'a> {
    /// The calling principal; only records it owns resolve.
    pub principal: &'a Principal,
    /// The caller's trust; it must be at least the trust the record was stored at.
    pub trust: TrustLevel,
    /// The kinds the receiving tool may see in clear (`reveal = [Iban]`).
    pub reveal: &'a [DataKind],
    /// The time to judge expiry by.
    pub now: SystemTime,
}

impl<'a> ResolveRequest<'a> {
    /// A request judged at the current time.
    pub fn new(principal: &'a Principal, trust: TrustLevel, reveal: &'a [DataKind]) -> Self {
        Self {
            principal,
            trust,
            reveal,
            now: SystemTime::now(),
        }
    }

    /// The same request judged at `now`.
    pub fn at(self, now: SystemTime) -> Self {
        Self { now, ..self }
    }
}

/// Why a pointer was not resolved. Carries no part of the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VaultRefusal {
    /// No record has this id and kind (never stored, purged, or the tag was altered).
    UnknownPointer,
    /// The record belongs to another principal.
    WrongOwner,
    /// The caller's trust is below the trust the value was stored at.
    TrustTooLow {
        /// The trust the record was stored at.
        stored: TrustLevel,
        /// The trust the caller presented.
        presented: TrustLevel,
    },
    /// The receiving tool does not declare `reveal` for this kind.
    KindNotRevealed,
    /// The record has expired.
    Expired,
    /// The record failed authentication: tampered with, or sealed under another key.
    Corrupt,
    /// The store holding the records could not be read (a shared store that is down). The
    /// pipeline refuses the call rather than pass the pointer on unresolved.
    Unavailable,
}

impl VaultRefusal {
    /// A stable snake_case code for audit records (`wrong_owner`, `trust_too_low`, ...).
    pub fn code(self) -> &'static str {
        match self {
            Self::UnknownPointer => "unknown_pointer",
            Self::WrongOwner => "wrong_owner",
            Self::TrustTooLow { .. } => "trust_too_low",
            Self::KindNotRevealed => "kind_not_revealed",
            Self::Expired => "expired",
            Self::Corrupt => "corrupt",
            Self::Unavailable => "store_unavailable",
        }
    }
}

impl fmt::Display for VaultRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownPointer => f.write_str("no vault record matches this pointer"),
            Self::WrongOwner => f.write_str("the vault record belongs to another principal"),
            Self::TrustTooLow { stored, presented } => write!(
                f,
                "the vault record needs trust {stored}, the caller presented {presented}"
            ),
            Self::KindNotRevealed => {
                f.write_str("the tool does not declare reveal for this kind of value")
            }
            Self::Expired => f.write_str("the vault record has expired"),
            Self::Corrupt => f.write_str("the vault record failed authentication"),
            Self::Unavailable => f.write_str("the vault's store could not be read"),
        }
    }
}

impl std::error::Error for VaultRefusal {}

/// What happened to one pointer occurrence during `resolve_in_*`: enough for an audit record
/// (pointer id, kind, stored owner, reason), never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveOutcome {
    /// The pointer as found in the text.
    pub pointer: Pointer,
    /// The record's owner (canonical principal), when a record was found.
    pub owner: Option<String>,
    /// `None` if the pointer was replaced by its value; otherwise why it was left in place.
    pub refusal: Option<VaultRefusal>,
}

impl ResolveOutcome {
    /// Whether the pointer was replaced by its value.
    pub fn is_resolved(&self) -> bool {
        self.refusal.is_none()
    }

    /// `"resolved"`, or the refusal's [`code`](VaultRefusal::code), for the audit record.
    pub fn reason(&self) -> &'static str {
        self.refusal.map_or("resolved", VaultRefusal::code)
    }
}
