//! The safe defaults a server gives up only by naming them.

/// A safe default that a server gives up only by naming it, with
/// [`SigilServerBuilder::dangerous`](super::SigilServerBuilder::dangerous). Each says what is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dangerous {
    /// No scanning: arguments and results pass unscanned and nothing is vaulted, so a secret a
    /// tool returns reaches the client, and the model, in clear.
    NoScanning,
    /// An audit trail in memory: it vanishes with the process, so nothing proves afterwards who
    /// called what, or what a human approved.
    MemoryAudit,
}

impl std::fmt::Display for Dangerous {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NoScanning => "Dangerous::NoScanning",
            Self::MemoryAudit => "Dangerous::MemoryAudit",
        })
    }
}
