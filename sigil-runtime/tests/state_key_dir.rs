//! The key directory replicas share: made and rotated by `KeyDir::add_generation`, refused when
//! incomplete or not private, and opening what older keys sealed.

mod redis_support;

use std::fs::Permissions;
use std::os::unix::fs::PermissionsExt;

use sigil_runtime::audit::AuditKeys;
use sigil_runtime::identity::{Principal, TrustLevel};
use sigil_runtime::server::{KeyDir, KeyDirError};
use sigil_runtime::vault::{DataKind, MemoryStore, ResolveRequest, VaultConfig, VaultError};

fn alice() -> Principal {
    Principal::Local {
        user: "alice".into(),
    }
}

/// A complete key directory: audit keys and one generation of the others.
fn key_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    AuditKeys::generate()
        .unwrap()
        .write_to(dir.path(), false)
        .unwrap();
    KeyDir::add_generation(dir.path()).unwrap();
    dir
}

#[test]
fn a_directory_without_keys_is_refused_with_how_to_make_them() {
    let dir = tempfile::tempdir().unwrap();
    let err = KeyDir::open(dir.path()).unwrap_err();
    assert!(matches!(err, KeyDirError::Missing { .. }), "{err:?}");
    assert!(err.to_string().contains("sigil keygen --out"), "{err}");
    // Vault and sealing keys alone are not enough: the audit keys are checked too.
    KeyDir::add_generation(dir.path()).unwrap();
    assert!(matches!(
        KeyDir::open(dir.path()).unwrap_err(),
        KeyDirError::Audit(_)
    ));
}

#[test]
fn generations_are_private_files_and_a_readable_one_is_refused() {
    let dir = key_dir();
    let written = KeyDir::add_generation(dir.path()).unwrap();
    let names: Vec<_> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["vault-2.key", "request-state-2.key"]);
    for path in &written {
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
    }
    KeyDir::open(dir.path()).unwrap();
    std::fs::set_permissions(&written[0], Permissions::from_mode(0o644)).unwrap();
    let err = KeyDir::open(dir.path()).unwrap_err();
    assert!(
        matches!(err, KeyDirError::Key(VaultError::KeyFileNotPrivate { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("vault-2.key"), "{err}");
}

#[test]
fn after_rotation_new_records_use_the_new_key_and_old_ones_still_open() {
    let dir = key_dir();
    let before = KeyDir::open(dir.path()).unwrap();
    let store = std::sync::Arc::new(MemoryStore::new());
    let old_vault = before.vault(store.clone(), VaultConfig::default());
    let old = old_vault
        .store(
            "DE89370400440532013000",
            DataKind::Iban,
            &alice(),
            TrustLevel::Low,
        )
        .unwrap();

    KeyDir::add_generation(dir.path()).unwrap();
    let after = KeyDir::open(dir.path()).unwrap();
    let new_vault = after.vault(store.clone(), VaultConfig::default());
    let owner = alice();
    let req = ResolveRequest::new(&owner, TrustLevel::Low, &[DataKind::Iban]);
    assert_eq!(
        new_vault.resolve(&old, &req).unwrap().as_str(),
        "DE89370400440532013000",
        "a retired key still opens what it sealed"
    );
    let new = new_vault
        .store(
            "FR1420041010050500013M02606",
            DataKind::Iban,
            &alice(),
            TrustLevel::Low,
        )
        .unwrap();
    assert!(
        old_vault.resolve(&new, &req).is_err(),
        "the new record is sealed under the new key, which the old vault does not hold"
    );

    // With the old vault key deleted (its records expired), it opens no longer.
    std::fs::remove_file(dir.path().join("vault-1.key")).unwrap();
    let retired = KeyDir::open(dir.path()).unwrap();
    let vault = retired.vault(store, VaultConfig::default());
    assert!(vault.resolve(&old, &req).is_err());
    assert_eq!(
        vault.resolve(&new, &req).unwrap().as_str(),
        "FR1420041010050500013M02606"
    );
}

#[cfg(feature = "redis")]
mod on_redis {
    use std::sync::Arc;
    use std::time::Duration;

    use super::redis_support::RedisServer;
    use sigil_runtime::state::{RedisOptions, RedisState, SharedState};
    use sigil_runtime::vault::{SharedStore, VaultRefusal};

    use super::*;

    fn state(redis: &RedisServer) -> SharedState {
        let options = RedisOptions {
            connect_timeout: Duration::from_millis(300),
            answer_timeout: Duration::from_millis(300),
            ..RedisOptions::default()
        };
        Arc::new(RedisState::connect(&redis.url(), options).unwrap())
    }

    #[test]
    fn a_pointer_minted_on_one_replica_resolves_on_the_other_and_fails_closed_when_redis_is_down() {
        let mut redis = RedisServer::start();
        let dir = key_dir();
        let keys = KeyDir::open(dir.path()).unwrap();
        let a = keys.vault(SharedStore::new(state(&redis)), VaultConfig::default());
        let b = keys.vault(SharedStore::new(state(&redis)), VaultConfig::default());
        let p = a
            .store(
                "DE89370400440532013000",
                DataKind::Iban,
                &alice(),
                TrustLevel::Low,
            )
            .unwrap();
        let owner = alice();
        let req = ResolveRequest::new(&owner, TrustLevel::Low, &[DataKind::Iban]);
        assert_eq!(
            b.resolve(&p, &req).unwrap().as_str(),
            "DE89370400440532013000"
        );
        // Dedup across replicas: the same value for the same owner is the same pointer.
        let again = b
            .store(
                "DE89370400440532013000",
                DataKind::Iban,
                &alice(),
                TrustLevel::Low,
            )
            .unwrap();
        assert_eq!(again, p);
        // The rules hold on the other replica too.
        let bob = Principal::Local { user: "bob".into() };
        let req_bob = ResolveRequest::new(&bob, TrustLevel::Low, &[DataKind::Iban]);
        assert_eq!(b.resolve(&p, &req_bob), Err(VaultRefusal::WrongOwner));

        redis.stop();
        assert_eq!(b.resolve(&p, &req), Err(VaultRefusal::Unavailable));
        let err = a
            .store(
                "FR1420041010050500013M02606",
                DataKind::Iban,
                &alice(),
                TrustLevel::Low,
            )
            .unwrap_err();
        assert!(matches!(err, VaultError::State(_)), "{err:?}");
    }

    #[test]
    fn redis_holds_ciphertext_only() {
        let redis = RedisServer::start();
        let dir = key_dir();
        let keys = KeyDir::open(dir.path()).unwrap();
        let vault = keys.vault(SharedStore::new(state(&redis)), VaultConfig::default());
        let value = "AKIAQWERTYUIOPASDFGH";
        vault
            .store(value, DataKind::Secret, &alice(), TrustLevel::Low)
            .unwrap();
        let dump = std::process::Command::new("redis-cli")
            .args(["-p", &redis.port.to_string(), "--no-raw", "keys", "*"])
            .output()
            .expect("redis-cli comes with redis-server");
        let names = String::from_utf8_lossy(&dump.stdout).to_string();
        assert!(names.contains("sigil:vault:"), "{names}");
        assert!(
            !names.contains(value) && !names.contains("alice"),
            "{names}"
        );
        for name in names.lines().map(|l| l.trim().trim_matches('"')) {
            let name = name
                .split_once(") ")
                .map_or(name, |(_, n)| n)
                .trim_matches('"');
            let got = std::process::Command::new("redis-cli")
                .args(["-p", &redis.port.to_string(), "get", name])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&got.stdout);
            assert!(!text.contains(value), "{name}: {text}");
        }
    }

    /// Whoever can write to Redis can delete or overwrite records, but not make one resolve
    /// for someone else or to another value: every field is bound into the ciphertext.
    #[test]
    fn a_record_moved_or_edited_in_redis_does_not_resolve() {
        let redis = RedisServer::start();
        let dir = key_dir();
        let keys = KeyDir::open(dir.path()).unwrap();
        let vault = keys.vault(SharedStore::new(state(&redis)), VaultConfig::default());
        let bob = Principal::Local { user: "bob".into() };
        let alices = vault
            .store(
                "DE89370400440532013000",
                DataKind::Iban,
                &alice(),
                TrustLevel::Low,
            )
            .unwrap();
        let bobs = vault
            .store(
                "FR1420041010050500013M02606",
                DataKind::Iban,
                &bob,
                TrustLevel::Low,
            )
            .unwrap();
        let cli = |args: &[&str]| {
            let out = std::process::Command::new("redis-cli")
                .args(["-p", &redis.port.to_string(), "--raw"])
                .args(args)
                .output()
                .unwrap();
            String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
        };
        let alice_key = format!("sigil:vault:{}", alices.id);
        let bob_key = format!("sigil:vault:{}", bobs.id);
        // Alice's record put under Bob's pointer, with Bob as its owner.
        let moved = cli(&["get", &alice_key])
            .replace(&alices.id.to_string(), &bobs.id.to_string())
            .replace("local:alice", "local:bob");
        cli(&["set", &bob_key, &moved]);
        let req = ResolveRequest::new(&bob, TrustLevel::Low, &[DataKind::Iban]);
        assert_eq!(vault.resolve(&bobs, &req), Err(VaultRefusal::Corrupt));
        // A stored trust lowered, or a value that is not a record at all.
        let lowered =
            cli(&["get", &alice_key]).replace("\"trust\":\"low\"", "\"trust\":\"unauthenticated\"");
        cli(&["set", &alice_key, &lowered]);
        let owner = alice();
        let req = ResolveRequest::new(&owner, TrustLevel::Low, &[DataKind::Iban]);
        assert!(vault.resolve(&alices, &req).is_err());
        cli(&["set", &alice_key, "not a record"]);
        assert_eq!(
            vault.resolve(&alices, &req),
            Err(VaultRefusal::UnknownPointer)
        );
    }

    /// The out-of-band approval across replicas: opened on one, decided on the other, run once;
    /// a decision written into Redis by hand approves nothing.
    #[test]
    fn a_pending_approval_is_decided_on_one_replica_and_redeemed_once_on_either() {
        use sigil_runtime::confirm::{
            CallToApprove, ConfirmRefusal, DecideRefusal, Decision, Redeemed,
        };
        let redis = RedisServer::start();
        let dir = key_dir();
        let keys = KeyDir::open(dir.path()).unwrap();
        let ttl = Duration::from_secs(300);
        let a = keys.pending_approvals(state(&redis), ttl).unwrap();
        let b = keys.pending_approvals(state(&redis), ttl).unwrap();
        let call = CallToApprove {
            principal: "local:alice",
            tool: "transfer_funds",
            digest: "5f1d",
            message: "transfer_funds to DE89370400440532013000".into(),
        };
        let pending = a.open(&call).unwrap();
        assert_eq!(b.get(&pending.id).unwrap().as_ref(), Some(&pending));
        assert_eq!(
            b.decide(&pending.id, "local:bob", "5f1d", Decision::Approve),
            Err(DecideRefusal::OtherPrincipal)
        );
        b.decide(&pending.id, "local:alice", "5f1d", Decision::Approve)
            .unwrap();
        assert_eq!(a.redeem(&pending.id, &call), Redeemed::Approved);
        assert_eq!(
            b.redeem(&pending.id, &call),
            Redeemed::Refused(ConfirmRefusal::Replayed)
        );

        let second = a.open(&call).unwrap();
        let decided = format!("sigil:decided:{}", second.id);
        let out = std::process::Command::new("redis-cli")
            .args(["-p", &redis.port.to_string(), "set", &decided])
            .arg(r#"{"kind":"sigil.decision.v1","approved":true}"#)
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(
            b.redeem(&second.id, &call),
            Redeemed::Refused(ConfirmRefusal::Mismatch)
        );
    }
}
