//! The runtime's rules that the macro checks at compile time. Each one mirrors a runtime item
//! (named in its doc). Compile-pass cases in `ui-tests` check that the copies agree:
//! `reveal_every_kind` (vault kinds), `risk_rules_agree` (risk rules, trust levels) and
//! `rate_spellings` (rate grammar).

/// Mirrors `sigil_runtime::tool::Risk`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Risk {
    Low,
    Medium,
    High,
    Critical,
}

impl Risk {
    pub(crate) const NAMES: [&'static str; 4] = ["Low", "Medium", "High", "Critical"];

    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            "Low" => Some(Self::Low),
            "Medium" => Some(Self::Medium),
            "High" => Some(Self::High),
            "Critical" => Some(Self::Critical),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// Mirrors `Risk::trust_floor`.
    pub(crate) fn trust_floor(self) -> Trust {
        match self {
            Self::Low => Trust::Low,
            Self::Medium => Trust::Medium,
            Self::High | Self::Critical => Trust::High,
        }
    }

    /// Mirrors `Risk::contradiction` (same rules, same messages).
    pub(crate) fn contradiction(
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

/// The trust levels `trust = ...` accepts; mirrors `sigil_runtime::identity::TrustLevel`
/// without `Unauthenticated` (which no declared trust can be).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Trust {
    Low,
    Medium,
    High,
}

impl Trust {
    pub(crate) const NAMES: [&'static str; 3] = ["Low", "Medium", "High"];

    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            "Low" => Some(Self::Low),
            "Medium" => Some(Self::Medium),
            "High" => Some(Self::High),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// Mirrors `sigil_runtime::vault::DataKind::name` for every kind in `DataKind::ALL`.
pub(crate) const VAULT_KINDS: [&str; 12] = [
    "Iban",
    "Card",
    "Bic",
    "Email",
    "Phone",
    "NationalId",
    "CloudKey",
    "ApiKey",
    "PrivateKey",
    "Password",
    "Jwt",
    "Secret",
];

/// Mirrors `sigil_runtime::policy::Rate::parse`: `N/unit`, N a `u32` >= 1.
pub(crate) fn rate_is_valid(s: &str) -> bool {
    let Some((n, unit)) = s.trim().split_once('/') else {
        return false;
    };
    let count_ok = n.trim().parse::<u32>().is_ok_and(|n| n >= 1);
    let unit_ok = matches!(
        unit.trim(),
        "s" | "sec" | "second" | "m" | "min" | "minute" | "h" | "hour" | "d" | "day"
    );
    count_ok && unit_ok
}

/// The message of `RateParseError`, for the same input.
pub(crate) fn rate_error(s: &str) -> String {
    format!("invalid rate `{s}`: expected `N/sec`, `N/min`, `N/hour` or `N/day` with N >= 1")
}

/// MCP's tool name rule: `^[A-Za-z0-9_.-]{1,128}$`.
pub(crate) fn tool_name_is_valid(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// An OAuth scope-token (RFC 6749 §3.3): one or more of `%x21 / %x23-5B / %x5D-7E`, so printable
/// ASCII without space, `"` or `\`.
pub(crate) fn scope_is_valid(scope: &str) -> bool {
    !scope.is_empty()
        && scope
            .bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_grammar_matches_the_runtime() {
        for ok in ["10/min", "1/day", " 5 / sec ", "3/h", "100/second"] {
            assert!(rate_is_valid(ok), "{ok}");
        }
        for bad in [
            "",
            "10",
            "0/min",
            "-1/min",
            "10/fortnight",
            "ten/min",
            "10/Min",
        ] {
            assert!(!rate_is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn names_and_scopes() {
        assert!(tool_name_is_valid("transfer_funds"));
        assert!(tool_name_is_valid("bank.v1-transfer"));
        assert!(!tool_name_is_valid("transfer funds"));
        assert!(!tool_name_is_valid(""));
        assert!(!tool_name_is_valid(&"a".repeat(129)));
        assert!(!tool_name_is_valid("überweisen"));
        assert!(scope_is_valid("bank:transfer"));
        assert!(!scope_is_valid("bank transfer"));
        assert!(!scope_is_valid(""));
    }

    #[test]
    fn contradictions() {
        assert!(Risk::Low.contradiction(Some(false), None).is_some());
        assert!(
            Risk::Medium
                .contradiction(Some(false), Some(false))
                .is_none()
        );
        assert!(Risk::Medium.contradiction(None, Some(true)).is_some());
        assert!(Risk::High.contradiction(None, Some(false)).is_some());
        assert!(Risk::Critical.contradiction(Some(true), None).is_some());
        assert!(Risk::High.contradiction(Some(false), Some(true)).is_none());
        assert_eq!(Risk::Critical.trust_floor(), Trust::High);
    }
}
