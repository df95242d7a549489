//! The writer: reopening, crash recovery, rotation, keys, locking, sinks, and no secrets on disk.

mod audit_support;

use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Mutex};

use audit_support::*;
use sigil_runtime::audit::{
    AuditConfig, AuditError, AuditKeys, AuditLog, AuditSink, Durability, MAC_KEY_FILE, MacKey,
    Outcome, SIGNING_KEY_FILE, SignedCheckpoint, VERIFIER_KEY_FILE, key_state_path,
};
use sigil_runtime::basics::private_file::NotPrivate;

fn config() -> AuditConfig {
    AuditConfig::default()
        .durability(Durability::AtCheckpoint)
        .checkpoint_every(0, None)
        .epoch_every(0, None)
}

#[test]
fn reopening_continues_the_chain() {
    let f = Fixture::new();
    f.write(5, config());
    f.write(5, config().epoch_every(3, None));
    f.write(5, config());
    let report = f.verify();
    assert_eq!(report.outcome, Outcome::Intact);
    // 15 events, 3 closing checkpoints, and the epoch changes of the second run.
    assert!(report.records >= 18, "{report:?}");
    assert!(report.last_epoch >= 1);
    assert_eq!(report.checkpoints_verified, 3);
}

#[test]
fn reopening_after_a_crash_cuts_the_torn_line_and_continues() {
    let f = Fixture::new();
    f.write(4, config());
    let mut bytes = std::fs::read(&f.path).unwrap();
    let torn = b"{\"seq\":5,\"time\":\"2026-";
    bytes.extend_from_slice(torn);
    std::fs::write(&f.path, &bytes).unwrap();
    let log = AuditLog::open(&f.path, keys(), config()).unwrap();
    assert_eq!(log.torn_bytes_removed().unwrap(), torn.len() as u64);
    log.append(event(9)).unwrap();
    log.close().unwrap();
    assert_eq!(f.verify().outcome, Outcome::Intact);
}

#[test]
fn a_log_files_are_private() {
    let f = Fixture::new();
    f.write(3, config().epoch_every(1, None));
    for path in [f.path.clone(), f.sidecar(), key_state_path(&f.path)] {
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
    }
}

#[test]
fn rotation_continues_the_chain_across_files() {
    let f = Fixture::new();
    let log = AuditLog::open(&f.path, keys(), config()).unwrap();
    for i in 0..4 {
        log.append(event(i)).unwrap();
    }
    log.rotate().unwrap();
    for i in 4..8 {
        log.append(event(i)).unwrap();
    }
    assert_eq!(log.segments().unwrap().len(), 2);
    log.close().unwrap();
    let segments = f.segments();
    assert_eq!(segments.len(), 2);
    assert_eq!(
        verify_with(&segments, &[f.sidecar()]).outcome,
        Outcome::Intact
    );
    // The second file alone, or the files out of order, do not verify.
    assert_eq!(failure(&verify_with(&segments[1..], &[])).0, "deleted");
    let reversed = vec![segments[1].clone(), segments[0].clone()];
    assert!(matches!(
        verify_with(&reversed, &[]).outcome,
        Outcome::Failed(_)
    ));
}

#[test]
fn rotation_by_size_and_reopening_keep_one_chain() {
    let f = Fixture::new();
    f.write(20, config().rotate_at_bytes(Some(2_000)));
    f.write(5, config().rotate_at_bytes(Some(2_000)));
    let segments = f.segments();
    assert!(segments.len() >= 3, "{segments:?}");
    let report = f.verify();
    assert_eq!(report.outcome, Outcome::Intact);
    assert_eq!(report.records, 27);
}

#[test]
fn no_key_material_is_ever_written_to_the_log_or_checkpoints() {
    let f = Fixture::new();
    f.write(30, config().epoch_every(5, None).checkpoint_every(7, None));
    let mut secrets: Vec<Vec<u8>> = vec![
        MAC_KEY.to_vec(),
        hex(&MAC_KEY).into_bytes(),
        SIGNING_SEED.to_vec(),
    ];
    for epoch in 1..=7 {
        secrets.push(hex(&epoch_key(epoch)).into_bytes());
    }
    for file in f.segments().into_iter().chain([f.sidecar()]) {
        let bytes = std::fs::read(&file).unwrap();
        for secret in &secrets {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_slice()),
                "{}",
                file.display()
            );
        }
    }
    // The key state holds only the current epoch's key: earlier keys are gone (forward security).
    let state = std::fs::read_to_string(key_state_path(&f.path)).unwrap();
    assert!(!state.contains(&hex(&MAC_KEY)));
    assert!(!state.contains(&hex(&epoch_key(1))));
    let epoch = f.verify().last_epoch;
    assert!(state.contains(&hex(&epoch_key(epoch))));
}

#[test]
fn a_second_writer_is_refused() {
    let f = Fixture::new();
    let first = AuditLog::open(&f.path, keys(), config()).unwrap();
    let second = AuditLog::open(&f.path, keys(), config());
    assert!(
        matches!(second, Err(AuditError::Locked { .. })),
        "{second:?}"
    );
    drop(first);
}

#[test]
fn reopening_with_another_mac_key_is_refused() {
    let f = Fixture::new();
    f.write(3, config());
    std::fs::remove_file(key_state_path(&f.path)).unwrap();
    let mut other = keys();
    other.mac_key = MacKey::from_bytes([1; 32]);
    let result = AuditLog::open(&f.path, other, config());
    assert!(
        matches!(result, Err(AuditError::KeyMismatch { .. })),
        "{result:?}"
    );
}

#[test]
fn every_checkpoint_reaches_the_sink() {
    let f = Fixture::new();
    let seen: Arc<Mutex<Vec<SignedCheckpoint>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let cfg = config()
        .checkpoint_every(4, None)
        .checkpoint_sink(move |cp: &SignedCheckpoint| {
            sink.lock().unwrap().push(cp.clone());
            Ok(())
        });
    f.write(10, cfg);
    let seen = seen.lock().unwrap();
    assert!(seen.len() >= 3);
    let sidecar = std::fs::read_to_string(f.sidecar()).unwrap();
    for cp in seen.iter() {
        assert!(sidecar.contains(&cp.note));
        assert_eq!(verifier().verify(&cp.note), Ok(cp.checkpoint.clone()));
    }
}

#[test]
fn the_log_is_an_audit_sink_and_ids_are_seqs() {
    let f = Fixture::new();
    let log = AuditLog::open(
        &f.path,
        keys(),
        AuditConfig::default().durability(Durability::EveryRecord),
    )
    .unwrap();
    let sink: &dyn AuditSink = &log;
    let a = sink.append(event(0)).unwrap();
    let b = sink.append(event(1)).unwrap();
    assert_eq!((a.0, b.0), (0, 1));
    drop(log);
    assert_eq!(f.verify().outcome, Outcome::Intact);
}

#[test]
fn time_driven_group_commit_and_checkpoints_happen_without_appends() {
    let f = Fixture::new();
    let cfg = AuditConfig::default()
        .durability(Durability::GroupCommit {
            max_records: 1000,
            max_delay: std::time::Duration::from_millis(20),
        })
        .checkpoint_every(0, Some(std::time::Duration::from_millis(50)));
    let log = AuditLog::open(&f.path, keys(), cfg).unwrap();
    log.append(event(0)).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    let sidecar = std::fs::read_to_string(f.sidecar()).unwrap_or_default();
    assert!(
        sidecar.contains("\n2\n"),
        "a checkpoint of the event and its checkpoint record: {sidecar}"
    );
    drop(log);
}

#[test]
fn keys_are_created_once_private_and_reloaded() {
    let dir = tempfile::tempdir().unwrap();
    let keys_dir = dir.path().join("sigil");
    let created = AuditKeys::load_or_create_in(&keys_dir).unwrap();
    for name in [MAC_KEY_FILE, SIGNING_KEY_FILE] {
        let mode = std::fs::metadata(keys_dir.join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{name}");
    }
    let loaded = AuditKeys::load_or_create_in(&keys_dir).unwrap();
    assert_eq!(loaded.verifier(), created.verifier());
    let vkey = std::fs::read_to_string(keys_dir.join(VERIFIER_KEY_FILE)).unwrap();
    assert_eq!(vkey.trim(), created.verifier().vkey());
    assert!(matches!(
        created.write_to(&keys_dir, false),
        Err(AuditError::KeyExists { .. })
    ));
    std::fs::set_permissions(
        keys_dir.join(MAC_KEY_FILE),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let refused = AuditKeys::load_from(&keys_dir);
    assert!(
        matches!(
            refused,
            Err(AuditError::NotPrivate {
                reason: NotPrivate::Mode(0o644),
                ..
            })
        ),
        "{refused:?}"
    );
}

#[test]
fn a_replica_names_itself_in_every_record_and_the_name_is_sealed() {
    let f = Fixture::new();
    f.write(3, config().replica("bank-0").unwrap());
    f.write(2, config().replica("bank-0").unwrap());
    assert_eq!(f.verify().outcome, Outcome::Intact);
    let lines = f.lines();
    assert!(lines.len() >= 5);
    for line in &lines {
        let record: serde_json::Value = serde_json::from_slice(line).unwrap();
        assert_eq!(record["replica"], "bank-0", "{record}");
    }
    // The name is under the MAC: a record moved to another replica's name is caught.
    let mut edited = lines.clone();
    edited[1] = String::from_utf8(edited[1].clone())
        .unwrap()
        .replace("\"replica\":\"bank-0\"", "\"replica\":\"bank-1\"")
        .into_bytes();
    f.set_lines(&edited);
    assert!(matches!(f.verify().outcome, Outcome::Failed(_)));
    for bad in ["", "bank 0", "bank/0", "bänk", &"x".repeat(65), "a\nb"] {
        assert!(
            matches!(config().replica(bad), Err(AuditError::BadReplicaName(_))),
            "{bad:?}"
        );
    }
}
