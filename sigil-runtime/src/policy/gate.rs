//! The trust and scope gate: whether a caller may see and call a tool at all. Deny by default:
//! a tool that needs a trust level or scopes is closed to a caller that lacks any of them.

use crate::basics::TrustLevel;

/// Why the gate is closed to a caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// The caller's trust level is below the tool's.
    TrustTooLow {
        /// What the tool needs.
        required: TrustLevel,
        /// What the caller has.
        presented: TrustLevel,
    },
    /// The caller lacks some of the tool's scopes (all of them are listed).
    InsufficientScope(Vec<String>),
}

/// Opens the gate when the caller's `presented` trust is at least `required` and `granted` holds
/// for every scope in `scopes`. (Taking the caller's facts rather than the caller keeps policy
/// beside identity, not on top of it.)
pub fn authorize(
    required: TrustLevel,
    scopes: &[String],
    presented: TrustLevel,
    granted: impl Fn(&str) -> bool,
) -> Result<(), Denied> {
    if presented < required {
        return Err(Denied::TrustTooLow {
            required,
            presented,
        });
    }
    if !scopes.iter().all(|s| granted(s)) {
        return Err(Denied::InsufficientScope(scopes.to_vec()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_needs_the_trust_and_every_scope() {
        let scopes = ["a".to_owned(), "b".to_owned()];
        let only_a = |s: &str| s == "a";
        let both = |s: &str| s == "a" || s == "b";
        assert_eq!(
            authorize(TrustLevel::High, &[], TrustLevel::Medium, both),
            Err(Denied::TrustTooLow {
                required: TrustLevel::High,
                presented: TrustLevel::Medium
            })
        );
        assert_eq!(
            authorize(TrustLevel::Low, &scopes, TrustLevel::High, only_a),
            Err(Denied::InsufficientScope(scopes.to_vec()))
        );
        assert_eq!(
            authorize(TrustLevel::Low, &scopes, TrustLevel::Low, both),
            Ok(())
        );
        assert_eq!(
            authorize(TrustLevel::Low, &[], TrustLevel::Low, |_: &str| false),
            Ok(())
        );
    }
}
