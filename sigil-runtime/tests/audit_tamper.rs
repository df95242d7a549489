//! Each kind of tampering is detected and named, with the first bad line.

mod audit_support;

use std::time::Duration;

use audit_support::*;
use ed25519_dalek::SigningKey;
use sigil_runtime::audit::{
    AuditConfig, Checkpoint, CheckpointVerifier, Durability, MacKey, Outcome, VerifyKeys,
    VerifyReport, leaf_hash, origin_for, verify,
};

fn config() -> AuditConfig {
    AuditConfig::default()
        .durability(Durability::AtCheckpoint)
        .checkpoint_every(0, None)
        .epoch_every(0, None)
}

/// 12 events + the closing checkpoint record = 13 lines, one checkpoint of size 13.
fn clean() -> Fixture {
    let f = Fixture::new();
    f.write(12, config());
    f
}

#[test]
fn a_clean_log_verifies_with_its_checkpoint() {
    let f = clean();
    let report = f.verify();
    assert_eq!(report.outcome, Outcome::Intact);
    assert_eq!(report.records, 13);
    assert_eq!(report.checkpoints_verified, 1);
    assert_eq!(report.largest_checkpoint, Some(13));
    assert_eq!(report.exit_code(), 0);
}

#[test]
fn an_edited_field_is_modified_at_its_line() {
    let f = clean();
    let mut lines = f.lines();
    lines[3] = edit(&lines[3], "user", "admin");
    f.set_lines(&lines);
    assert_eq!(failure(&f.verify()), ("modified", 4));
}

#[test]
fn a_deleted_line_is_deleted() {
    let f = clean();
    let mut lines = f.lines();
    lines.remove(5);
    f.set_lines(&lines);
    let report = f.verify();
    assert_eq!(failure(&report), ("deleted", 6));
    assert_eq!(report.records, 5, "records before the gap still verify");
}

#[test]
fn swapped_lines_are_reordered() {
    let f = clean();
    let mut lines = f.lines();
    lines.swap(2, 3);
    f.set_lines(&lines);
    assert_eq!(failure(&f.verify()), ("reordered", 3));
}

#[test]
fn a_copied_line_is_replayed() {
    let f = clean();
    let mut lines = f.lines();
    let copy = lines[2].clone();
    lines.insert(6, copy);
    f.set_lines(&lines);
    assert_eq!(failure(&f.verify()), ("replayed", 7));
}

#[test]
fn a_line_copied_ahead_of_its_place_is_replayed() {
    let f = clean();
    let mut lines = f.lines();
    let copy = lines[8].clone();
    lines.insert(3, copy);
    f.set_lines(&lines);
    assert_eq!(failure(&f.verify()), ("replayed", 4));
}

#[test]
fn cutting_the_tail_is_truncated_against_the_checkpoint_only() {
    let f = clean();
    let mut lines = f.lines();
    lines.truncate(10);
    f.set_lines(&lines);
    assert_eq!(failure(&f.verify()), ("truncated", 11));
    // Without a checkpoint a clean cut at a line boundary cannot be seen: that is why they exist.
    assert_eq!(f.verify_without_checkpoints().outcome, Outcome::Intact);
}

#[test]
fn a_torn_final_line_is_reported_as_torn_not_tampering() {
    let f = clean();
    let mut bytes = std::fs::read(&f.path).unwrap();
    bytes.truncate(bytes.len() - 40);
    std::fs::write(&f.path, &bytes).unwrap();
    let report = f.verify_without_checkpoints();
    assert!(
        matches!(&report.outcome, Outcome::TornTail(at) if at.line == 13),
        "{report:?}"
    );
    assert_eq!(report.records, 12, "every complete record verified");
    assert_eq!(report.exit_code(), 3);
}

#[test]
fn a_record_resealed_with_a_later_epoch_key_is_wrong_epoch_key() {
    let f = Fixture::new();
    f.write(12, config().epoch_every(4, None));
    let mut lines = f.lines();
    let line = lines[1].strip_suffix(b"\n").unwrap().to_vec();
    assert!(String::from_utf8_lossy(&line).contains("\"epoch\":0"));
    // A thief of epoch 2's key rewrites an epoch-0 record and seals it with the key they have.
    let mut forged = reseal(&edit(&line, "allowed", "refused"), &epoch_key(2), None);
    forged.push(b'\n');
    lines[1] = forged;
    f.set_lines(&lines);
    assert_eq!(failure(&f.verify()), ("wrong_epoch_key", 2));
}

#[test]
fn a_record_moved_into_a_later_epoch_without_a_key_epoch_step_is_wrong_epoch_key() {
    let f = Fixture::new();
    f.write(12, config().epoch_every(4, None));
    let mut lines = f.lines();
    let line = lines[1].strip_suffix(b"\n").unwrap().to_vec();
    let mut forged = reseal(
        &edit(&line, "\"epoch\":0", "\"epoch\":2"),
        &epoch_key(2),
        None,
    );
    forged.push(b'\n');
    lines[1] = forged;
    f.set_lines(&lines);
    assert_eq!(failure(&f.verify()), ("wrong_epoch_key", 2));
}

#[test]
fn epochs_advance_and_verify_each_under_its_own_key() {
    let f = Fixture::new();
    f.write(12, config().epoch_every(4, None));
    let report = f.verify();
    assert_eq!(report.outcome, Outcome::Intact);
    assert!(report.last_epoch >= 3, "{report:?}");
    let text = std::fs::read_to_string(&f.path).unwrap();
    assert_eq!(
        text.matches("\"event\":\"key_epoch\"").count() as u64,
        report.last_epoch
    );
}

#[test]
fn a_checkpoint_signed_by_another_key_is_a_bad_checkpoint_signature() {
    let f = clean();
    let size = f.verify().records;
    let root = f.verify().root;
    let log_id = f.verify().log_id.unwrap();
    let forged = Checkpoint {
        origin: origin_for(&log_id),
        size,
        root,
    }
    .sign("sigil-audit", &SigningKey::from_bytes(&[1; 32]));
    let other = f.dir.path().join("forged.checkpoints");
    std::fs::write(&other, format!("{}\n", forged.note)).unwrap();
    let report = verify_with(&f.segments(), &[other]);
    assert_eq!(failure(&report), ("bad_checkpoint_signature", 1));
}

#[test]
fn an_edited_checkpoint_is_a_bad_checkpoint_signature() {
    let f = clean();
    let text = std::fs::read_to_string(f.sidecar()).unwrap();
    std::fs::write(f.sidecar(), text.replacen("\n13\n", "\n12\n", 1)).unwrap();
    assert_eq!(failure(&f.verify()).0, "bad_checkpoint_signature");
}

#[test]
fn a_checkpoint_of_another_log_is_named_as_such() {
    let a = clean();
    let b = clean();
    let report = verify_with(&a.segments(), &[b.sidecar()]);
    assert_eq!(failure(&report).0, "checkpoint_from_another_log");
}

#[test]
fn a_log_rewritten_with_the_mac_key_is_caught_by_the_checkpoint() {
    let f = clean();
    let mut lines = f.lines();
    let line = lines[4].strip_suffix(b"\n").unwrap().to_vec();
    let edited = edit(&line, "user", "admin");
    assert_ne!(edited, line);
    lines[4] = [edited, b"\n".to_vec()].concat();
    reseal_chain(&mut lines, 4);
    f.set_lines(&lines);
    assert_eq!(
        f.verify_without_checkpoints().outcome,
        Outcome::Intact,
        "the forger holds the MAC key"
    );
    assert_eq!(failure(&f.verify()).0, "checkpoint_mismatch");
}

#[test]
fn unknown_fields_and_non_canonical_spacing_are_modified() {
    let f = clean();
    let mut lines = f.lines();
    lines[0] = edit(&lines[0], "{\"seq\":0,", "{\"seq\": 0,");
    f.set_lines(&lines);
    assert_eq!(failure(&f.verify()), ("modified", 1));
}

#[test]
fn periodic_checkpoints_all_verify() {
    let f = Fixture::new();
    f.write(
        25,
        config().checkpoint_every(5, Some(Duration::from_secs(3600))),
    );
    let report = f.verify();
    assert_eq!(report.outcome, Outcome::Intact);
    assert!(report.checkpoints_verified >= 5, "{report:?}");
}

/// Verifies `f` with the given MAC key and checkpoint signer, and the sidecar.
fn verify_with_keys(f: &Fixture, mac_key: [u8; 32], signer: &SigningKey) -> VerifyReport {
    let mac_key = MacKey::from_bytes(mac_key);
    let verifier = CheckpointVerifier::new("sigil-audit", signer.verifying_key());
    let keys = VerifyKeys {
        mac_key: &mac_key,
        checkpoint_key: Some(&verifier),
    };
    verify(&f.segments(), keys, &[f.sidecar()]).unwrap()
}

fn detail(report: &VerifyReport) -> &str {
    match &report.outcome {
        Outcome::Failed(f) => &f.detail,
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn wrong_key_is_not_reported_as_tampering() {
    let f = clean();
    // Another log's key directory: another MAC key and another checkpoint signer.
    let report = verify_with_keys(&f, [0x33; 32], &SigningKey::from_bytes(&[0x44; 32]));
    assert_eq!(failure(&report), ("wrong_key", 1));
    assert_eq!(report.exit_code(), 4, "not the exit code of tampering (1)");
    assert_eq!(report.records, 0, "nothing verified under a foreign key");
    let detail = detail(&report);
    assert!(detail.contains("none of its 13 records"), "{detail}");
    assert!(detail.contains("signed by another key"), "{detail}");
}

#[test]
fn only_the_mac_key_being_another_is_wrong_key_too() {
    let f = clean();
    let report = verify_with_keys(&f, [0x33; 32], &SigningKey::from_bytes(&SIGNING_SEED));
    assert_eq!(failure(&report), ("wrong_key", 1));
    assert!(
        detail(&report).contains("only the MAC key is not"),
        "{report:?}"
    );
    let without_checkpoints = verify(
        &f.segments(),
        VerifyKeys {
            mac_key: &MacKey::from_bytes([0x33; 32]),
            checkpoint_key: None,
        },
        &[],
    )
    .unwrap();
    assert_eq!(failure(&without_checkpoints), ("wrong_key", 1));
}

#[test]
fn an_edited_first_record_is_still_modified_under_the_right_key() {
    let f = clean();
    let mut lines = f.lines();
    lines[0] = edit(&lines[0], "user0", "admin");
    f.set_lines(&lines);
    assert_eq!(failure(&f.verify()), ("modified", 1));
    assert_eq!(failure(&f.verify_without_checkpoints()), ("modified", 1));
}

#[test]
fn a_log_forged_whole_without_the_key_is_modified_against_its_checkpoint() {
    let f = clean();
    let mut lines = f.lines();
    // Someone without the key rewrites record 0, then re-links and re-seals every line with a
    // key of their own, so that no MAC verifies and the chain holds: what a foreign key shows.
    lines[0] = edit(&lines[0], "user0", "admin");
    for i in 0..lines.len() {
        let prev = (i > 0).then(|| leaf_hash(lines[i - 1].strip_suffix(b"\n").unwrap()));
        let line = lines[i].strip_suffix(b"\n").unwrap().to_vec();
        lines[i] = [reseal(&line, &[0x66; 32], prev.as_ref()), b"\n".to_vec()].concat();
    }
    f.set_lines(&lines);
    // The checkpoint signed by the log's own key disagrees with the rewritten lines.
    assert_eq!(failure(&f.verify()), ("modified", 1));
    // Without a checkpoint nothing tells this forgery from a foreign key: that is why they exist.
    assert_eq!(failure(&f.verify_without_checkpoints()), ("wrong_key", 1));
}
