//! Who is calling, and how far we trust that.

use std::fmt;

/// How strongly the caller's identity was established.
///
/// Ordered: `Unauthenticated < Low < Medium < High`. Gates compare with `>=`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum TrustLevel {
    /// No identity was established. Passes no gate above `Low` unless configured.
    Unauthenticated,
    /// Low assurance (eIDAS LoA low, or a local user by default).
    Low,
    /// Substantial assurance.
    Medium,
    /// High assurance.
    High,
}

impl TrustLevel {
    /// The lowercase name used in configuration, metadata and audit records.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }

    /// Parses the lowercase name (`low`, `medium`, `high`, `unauthenticated`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "unauthenticated" => Some(Self::Unauthenticated),
            "low" => Some(Self::Low),
            "medium" => Some(Self::Medium),
            "high" => Some(Self::High),
            _ => None,
        }
    }
}

impl fmt::Display for TrustLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A typed caller identity, printed canonically.
///
/// `oidc:<issuer>#<sub>`, `eidas:pid:<CC>:<id>`, `eidas:qc:<CC>:<id>`, `local:<user>`, `anonymous`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Principal {
    /// Verified by an OpenID provider.
    Oidc {
        /// Issuer URL, exactly as in `iss`.
        issuer: String,
        /// Subject, exactly as in `sub`.
        subject: String,
    },
    /// An EU Digital Identity Wallet PID presentation.
    EidasPid {
        /// ISO 3166-1 alpha-2 issuing country.
        country: String,
        /// Person identifier.
        id: String,
    },
    /// A qualified certificate presented over mutual TLS.
    EidasQc {
        /// ISO 3166-1 alpha-2 country.
        country: String,
        /// Subject serial number, e.g. `PNODE-123456789`.
        id: String,
    },
    /// A local user (stdio servers, trust chosen by the operator).
    Local {
        /// User name.
        user: String,
    },
    /// Nobody in particular.
    Anonymous,
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Oidc { issuer, subject } => write!(f, "oidc:{issuer}#{subject}"),
            Self::EidasPid { country, id } => write!(f, "eidas:pid:{country}:{id}"),
            Self::EidasQc { country, id } => write!(f, "eidas:qc:{country}:{id}"),
            Self::Local { user } => write!(f, "local:{user}"),
            Self::Anonymous => f.write_str("anonymous"),
        }
    }
}
