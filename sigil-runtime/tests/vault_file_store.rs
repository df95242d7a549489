//! The encrypted vault file: persistence, key binding, tamper evidence, expiry.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use sigil_runtime::basics::private_file::NotPrivate;
use sigil_runtime::identity::{Principal, TrustLevel};
use sigil_runtime::vault::{
    DataKind, MasterKey, ResolveRequest, Vault, VaultConfig, VaultError, VaultRefusal,
};

const IBAN: &str = "DE89370400440532013000";
const KEY: [u8; 32] = [7; 32];

fn alice() -> Principal {
    Principal::Local {
        user: "alice".into(),
    }
}

fn open(path: &Path) -> Vault {
    Vault::open_file(MasterKey::from_bytes(KEY), path, VaultConfig::default()).unwrap()
}

fn full_request(owner: &Principal) -> ResolveRequest<'_> {
    ResolveRequest::new(owner, TrustLevel::High, &DataKind::ALL)
}

/// Rewrites the record lines of a vault file through `edit`.
fn edit_records(path: &Path, edit: impl FnOnce(&mut Vec<Value>)) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_owned();
    let mut records: Vec<Value> = lines.map(|l| serde_json::from_str(l).unwrap()).collect();
    edit(&mut records);
    let mut out = header + "\n";
    for r in records {
        out.push_str(&r.to_string());
        out.push('\n');
    }
    std::fs::write(path, out).unwrap();
}

#[test]
fn file_store_survives_reopen_and_holds_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.jsonl");
    let owner = alice();
    let p = {
        let vault = open(&path);
        vault
            .store(IBAN, DataKind::Iban, &owner, TrustLevel::Low)
            .unwrap()
    };
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(IBAN) && !text.contains("370400"));
    assert!(text.contains(&p.id.to_string()), "metadata is in clear");

    let reopened = open(&path);
    assert_eq!(
        reopened
            .resolve(&p, &full_request(&owner))
            .unwrap()
            .as_str(),
        IBAN
    );
    // Dedup works across reopen too.
    let again = reopened
        .store(IBAN, DataKind::Iban, &owner, TrustLevel::Low)
        .unwrap();
    assert_eq!(again, p);
}

#[test]
fn wrong_key_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.jsonl");
    drop(open(&path));
    let err = Vault::open_file(
        MasterKey::from_bytes([8; 32]),
        &path,
        VaultConfig::default(),
    )
    .unwrap_err();
    assert!(matches!(err, VaultError::WrongKey { .. }), "{err:?}");
    assert!(err.to_string().contains("different master key"));
}

#[test]
fn swapped_ciphertexts_fail_to_decrypt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.jsonl");
    let owner = alice();
    let (a, b) = {
        let vault = open(&path);
        let a = vault
            .store(IBAN, DataKind::Iban, &owner, TrustLevel::Low)
            .unwrap();
        let b = vault
            .store(
                "GB82WEST12345698765432",
                DataKind::Iban,
                &owner,
                TrustLevel::Low,
            )
            .unwrap();
        (a, b)
    };
    edit_records(&path, |records| {
        let ct0 = records[0]["ciphertext"].clone();
        let n0 = records[0]["nonce"].clone();
        records[0]["ciphertext"] = records[1]["ciphertext"].clone();
        records[0]["nonce"] = records[1]["nonce"].clone();
        records[1]["ciphertext"] = ct0;
        records[1]["nonce"] = n0;
    });
    let vault = open(&path);
    let req = full_request(&owner);
    assert_eq!(vault.resolve(&a, &req), Err(VaultRefusal::Corrupt));
    assert_eq!(vault.resolve(&b, &req), Err(VaultRefusal::Corrupt));
}

#[test]
fn edited_owner_kind_trust_or_expiry_fail_to_decrypt() {
    let owner = alice();
    let mallory = Principal::Local {
        user: "mallory".into(),
    };
    type Edit = fn(&mut Value);
    let edits: [(Edit, &Principal, DataKind); 4] = [
        (
            |r| r["owner"] = "local:mallory".into(),
            &mallory,
            DataKind::Iban,
        ),
        (|r| r["kind"] = "EMAIL".into(), &owner, DataKind::Email),
        (|r| r["trust"] = "low".into(), &owner, DataKind::Iban),
        (
            |r| r["expires_at_ms"] = (r["expires_at_ms"].as_u64().unwrap() + 1).into(),
            &owner,
            DataKind::Iban,
        ),
    ];
    for (edit, who, kind) in edits {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.jsonl");
        let p = open(&path)
            .store(IBAN, DataKind::Iban, &owner, TrustLevel::High)
            .unwrap();
        edit_records(&path, |records| edit(&mut records[0]));
        let vault = open(&path);
        let pointer = sigil_runtime::vault::Pointer { kind, ..p };
        assert_eq!(
            vault.resolve(&pointer, &full_request(who)),
            Err(VaultRefusal::Corrupt)
        );
    }
}

#[test]
fn expired_records_are_purged_on_load_and_on_demand() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.jsonl");
    let owner = alice();
    let config = VaultConfig::default().with_ttl(Duration::from_secs(3600));
    let long_ago = SystemTime::now() - Duration::from_secs(7200);
    let (old, fresh) = {
        let vault = Vault::open_file(MasterKey::from_bytes(KEY), &path, config.clone()).unwrap();
        let old = vault
            .store_at("old", DataKind::Secret, &owner, TrustLevel::Low, long_ago)
            .unwrap();
        let fresh = vault
            .store("fresh", DataKind::Secret, &owner, TrustLevel::Low)
            .unwrap();
        (old, fresh)
    };
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains(&old.id.to_string())
    );
    let vault = Vault::open_file(MasterKey::from_bytes(KEY), &path, config).unwrap();
    assert_eq!(vault.len(), 1);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(&old.id.to_string()), "purged from the file");
    assert!(text.contains(&fresh.id.to_string()));
    assert_eq!(
        vault.resolve(&old, &full_request(&owner)),
        Err(VaultRefusal::UnknownPointer)
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the rewritten file is private too");

    let dropped = vault
        .purge_expired(SystemTime::now() + Duration::from_secs(7200))
        .unwrap();
    assert_eq!(dropped, 1);
    assert!(vault.is_empty());
    assert!(
        !std::fs::read_to_string(&path)
            .unwrap()
            .contains(&fresh.id.to_string())
    );
}

#[test]
fn readable_vault_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.jsonl");
    drop(open(&path));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err =
        Vault::open_file(MasterKey::from_bytes(KEY), &path, VaultConfig::default()).unwrap_err();
    assert!(
        matches!(
            err,
            VaultError::StoreFileNotPrivate {
                reason: NotPrivate::Mode(0o644),
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn torn_last_line_is_dropped_but_garbage_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.jsonl");
    let owner = alice();
    let p = open(&path)
        .store(IBAN, DataKind::Iban, &owner, TrustLevel::Low)
        .unwrap();
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("{\"id\":\"abc");
    std::fs::write(&path, &text).unwrap();
    let q = {
        let vault = open(&path);
        assert_eq!(
            vault.resolve(&p, &full_request(&owner)).unwrap().as_str(),
            IBAN
        );
        vault
            .store("later", DataKind::Secret, &owner, TrustLevel::Low)
            .unwrap()
    };
    // The torn line was cleaned up, so the record appended after it reads back.
    let vault = open(&path);
    assert_eq!(
        vault.resolve(&q, &full_request(&owner)).unwrap().as_str(),
        "later"
    );
    drop(vault);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("not json\n");
    std::fs::write(&path, &text).unwrap();
    let err =
        Vault::open_file(MasterKey::from_bytes(KEY), &path, VaultConfig::default()).unwrap_err();
    assert!(matches!(err, VaultError::StoreFormat { .. }), "{err:?}");
}
