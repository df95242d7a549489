//! Trust from `acr` and `amr`.
//!
//! - `acr` decides. The issuer's `acr_map` is consulted first, then the eIDAS levels of assurance
//!   built in: `http://eidas.europa.eu/LoA/low|substantial|high` give Low/Medium/High. A missing or
//!   unknown `acr` gives Low, never more.
//! - `amr` can only lower: when it is present, non-empty, and lists nothing but knowledge factors
//!   (`pwd`, `pin`, `kba`, RFC 8176), the trust is capped at Low, whatever `acr` says. A password
//!   alone is not "substantial".
//! - A token without an end user (client credentials) gets the issuer's `service_trust`, lowered
//!   further by its `acr`/`amr` when it carries them.

use std::collections::BTreeMap;

use crate::basics::TrustLevel;

/// eIDAS level of assurance "low".
pub const EIDAS_LOA_LOW: &str = "http://eidas.europa.eu/LoA/low";
/// eIDAS level of assurance "substantial".
pub const EIDAS_LOA_SUBSTANTIAL: &str = "http://eidas.europa.eu/LoA/substantial";
/// eIDAS level of assurance "high".
pub const EIDAS_LOA_HIGH: &str = "http://eidas.europa.eu/LoA/high";

/// The eIDAS `acr` URI to ask for (RFC 9470 `acr_values`) to reach `trust`; `None` for
/// `Unauthenticated`, which needs no authentication at all.
pub fn eidas_acr_for(trust: TrustLevel) -> Option<&'static str> {
    match trust {
        TrustLevel::Unauthenticated => None,
        TrustLevel::Low => Some(EIDAS_LOA_LOW),
        TrustLevel::Medium => Some(EIDAS_LOA_SUBSTANTIAL),
        TrustLevel::High => Some(EIDAS_LOA_HIGH),
    }
}

/// The trust an `acr` value gives.
pub(crate) fn from_acr(acr: Option<&str>, acr_map: &BTreeMap<String, TrustLevel>) -> TrustLevel {
    let Some(acr) = acr else {
        return TrustLevel::Low;
    };
    if let Some(&trust) = acr_map.get(acr) {
        return trust;
    }
    match acr {
        EIDAS_LOA_LOW => TrustLevel::Low,
        EIDAS_LOA_SUBSTANTIAL => TrustLevel::Medium,
        EIDAS_LOA_HIGH => TrustLevel::High,
        _ => TrustLevel::Low,
    }
}

/// The cap `amr` puts on trust, if any.
pub(crate) fn amr_cap(amr: Option<&[String]>) -> Option<TrustLevel> {
    let amr = amr?;
    let knowledge_only = !amr.is_empty()
        && amr
            .iter()
            .all(|m| matches!(m.as_str(), "pwd" | "pin" | "kba"));
    knowledge_only.then_some(TrustLevel::Low)
}

/// The final trust of a token.
pub(crate) fn decide(
    acr: Option<&str>,
    amr: Option<&[String]>,
    acr_map: &BTreeMap<String, TrustLevel>,
    service_trust: Option<TrustLevel>,
) -> TrustLevel {
    let mut trust = match (service_trust, acr) {
        (Some(service), None) => service,
        (Some(service), Some(_)) => service.min(from_acr(acr, acr_map)),
        (None, _) => from_acr(acr, acr_map),
    };
    if let Some(cap) = amr_cap(amr) {
        trust = trust.min(cap);
    }
    trust
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> BTreeMap<String, TrustLevel> {
        BTreeMap::new()
    }

    #[test]
    fn eidas_levels_are_built_in() {
        assert_eq!(from_acr(Some(EIDAS_LOA_LOW), &none()), TrustLevel::Low);
        assert_eq!(
            from_acr(Some(EIDAS_LOA_SUBSTANTIAL), &none()),
            TrustLevel::Medium
        );
        assert_eq!(from_acr(Some(EIDAS_LOA_HIGH), &none()), TrustLevel::High);
    }

    #[test]
    fn missing_or_unknown_acr_is_low_never_more() {
        assert_eq!(from_acr(None, &none()), TrustLevel::Low);
        for acr in [
            "urn:mace:incommon:iap:silver",
            "http://eidas.europa.eu/LoA/HIGH",
            "",
            "high",
        ] {
            assert_eq!(from_acr(Some(acr), &none()), TrustLevel::Low, "{acr}");
        }
    }

    #[test]
    fn the_map_adds_values_and_can_tighten_built_ins() {
        let map = BTreeMap::from([
            ("urn:example:mfa".to_owned(), TrustLevel::Medium),
            (EIDAS_LOA_HIGH.to_owned(), TrustLevel::Medium),
        ]);
        assert_eq!(from_acr(Some("urn:example:mfa"), &map), TrustLevel::Medium);
        assert_eq!(from_acr(Some(EIDAS_LOA_HIGH), &map), TrustLevel::Medium);
    }

    #[test]
    fn knowledge_factors_alone_cap_at_low() {
        let pwd = ["pwd".to_owned()];
        let mfa = ["pwd".to_owned(), "otp".to_owned()];
        assert_eq!(
            decide(Some(EIDAS_LOA_HIGH), Some(&pwd), &none(), None),
            TrustLevel::Low
        );
        assert_eq!(
            decide(Some(EIDAS_LOA_HIGH), Some(&mfa), &none(), None),
            TrustLevel::High
        );
        assert_eq!(
            decide(Some(EIDAS_LOA_HIGH), Some(&[]), &none(), None),
            TrustLevel::High
        );
        assert_eq!(
            decide(Some(EIDAS_LOA_HIGH), None, &none(), None),
            TrustLevel::High
        );
    }

    #[test]
    fn service_tokens_get_the_configured_trust_at_most() {
        let high = Some(TrustLevel::High);
        assert_eq!(
            decide(None, None, &none(), Some(TrustLevel::Medium)),
            TrustLevel::Medium
        );
        assert_eq!(
            decide(Some(EIDAS_LOA_HIGH), None, &none(), high),
            TrustLevel::High
        );
        assert_eq!(
            decide(Some(EIDAS_LOA_SUBSTANTIAL), None, &none(), high),
            TrustLevel::Medium
        );
        assert_eq!(
            decide(Some(EIDAS_LOA_HIGH), None, &none(), Some(TrustLevel::Low)),
            TrustLevel::Low
        );
    }

    #[test]
    fn step_up_asks_for_the_eidas_uri_of_the_level() {
        assert_eq!(eidas_acr_for(TrustLevel::High), Some(EIDAS_LOA_HIGH));
        assert_eq!(
            eidas_acr_for(TrustLevel::Medium),
            Some(EIDAS_LOA_SUBSTANTIAL)
        );
        assert_eq!(eidas_acr_for(TrustLevel::Unauthenticated), None);
    }
}
