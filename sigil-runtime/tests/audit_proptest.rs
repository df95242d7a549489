//! Property: any single-byte change, line deletion, duplication or swap of a sealed log is
//! detected (the outcome is never `Intact`).

mod audit_support;

use std::sync::OnceLock;

use audit_support::*;
use proptest::prelude::*;
use sigil_runtime::audit::{AuditConfig, Durability, MacKey, Outcome, VerifyKeys, verify_bytes};

/// One log, written once: 24 events over several epochs with periodic checkpoints.
fn sealed() -> &'static (Vec<u8>, String) {
    static LOG: OnceLock<(Vec<u8>, String)> = OnceLock::new();
    LOG.get_or_init(|| {
        let f = Fixture::new();
        let cfg = AuditConfig::default()
            .durability(Durability::AtCheckpoint)
            .epoch_every(5, None)
            .checkpoint_every(12, None);
        f.write(24, cfg);
        (
            std::fs::read(&f.path).unwrap(),
            std::fs::read_to_string(f.sidecar()).unwrap(),
        )
    })
}

fn outcome(log: Vec<u8>) -> Outcome {
    let (_, checkpoints) = sealed();
    let mac_key = MacKey::from_bytes(MAC_KEY);
    let v = verifier();
    let keys = VerifyKeys {
        mac_key: &mac_key,
        checkpoint_key: Some(&v),
    };
    let segments = [("audit.jsonl".to_owned(), log)];
    verify_bytes(
        &segments,
        keys,
        &[("audit.jsonl.checkpoints".to_owned(), checkpoints.clone())],
    )
    .unwrap()
    .outcome
}

fn split(log: &[u8]) -> Vec<Vec<u8>> {
    log.split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

#[test]
fn the_unmodified_log_is_intact() {
    assert_eq!(outcome(sealed().0.clone()), Outcome::Intact);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn a_changed_byte_is_detected(pos in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let mut log = sealed().0.clone();
        let i = pos.index(log.len());
        log[i] ^= flip;
        prop_assert_ne!(outcome(log), Outcome::Intact);
    }

    #[test]
    fn a_deleted_line_is_detected(line in any::<prop::sample::Index>()) {
        let mut lines = split(&sealed().0);
        lines.remove(line.index(lines.len()));
        prop_assert_ne!(outcome(lines.concat()), Outcome::Intact);
    }

    #[test]
    fn a_duplicated_line_is_detected(line in any::<prop::sample::Index>(), at in any::<prop::sample::Index>()) {
        let mut lines = split(&sealed().0);
        let copy = lines[line.index(lines.len())].clone();
        let at = at.index(lines.len() + 1);
        lines.insert(at, copy);
        prop_assert_ne!(outcome(lines.concat()), Outcome::Intact);
    }

    #[test]
    fn swapped_lines_are_detected(a in any::<prop::sample::Index>(), b in any::<prop::sample::Index>()) {
        let mut lines = split(&sealed().0);
        let (a, b) = (a.index(lines.len()), b.index(lines.len()));
        prop_assume!(a != b);
        lines.swap(a, b);
        prop_assert_ne!(outcome(lines.concat()), Outcome::Intact);
    }
}
