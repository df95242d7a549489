//! Storing and resolving: the rules a pointer is resolved under, and what the caller sees.

use std::time::{Duration, SystemTime};

use serde_json::json;
use sigil_runtime::identity::{Principal, TrustLevel};
use sigil_runtime::vault::{
    DataKind, MasterKey, MemoryStore, Pointer, ResolveRequest, Vault, VaultConfig, VaultRefusal,
    find_pointers,
};

const IBAN: &str = "DE89370400440532013000";

fn alice() -> Principal {
    Principal::Local {
        user: "alice".into(),
    }
}

fn bob() -> Principal {
    Principal::Oidc {
        issuer: "https://id.example".into(),
        subject: "bob".into(),
    }
}

fn vault() -> Vault {
    Vault::in_memory(MasterKey::generate().unwrap())
}

#[test]
fn round_trip_for_the_owner() {
    let vault = vault();
    let owner = alice();
    let p = vault
        .store(IBAN, DataKind::Iban, &owner, TrustLevel::Medium)
        .unwrap();
    let req = ResolveRequest::new(&owner, TrustLevel::Medium, &[DataKind::Iban]);
    assert_eq!(vault.resolve(&p, &req).unwrap().as_str(), IBAN);
    // The pointer's text form parses back to the same pointer and resolves too.
    let reparsed: Pointer = p.to_string().parse().unwrap();
    assert_eq!(vault.resolve(&reparsed, &req).unwrap().as_str(), IBAN);
}

#[test]
fn pointer_reveals_nothing_about_the_value() {
    let vault = vault();
    let owner = alice();
    let a = vault
        .store(IBAN, DataKind::Iban, &owner, TrustLevel::Low)
        .unwrap();
    let b = vault
        .store(
            "DE89370400440532013001",
            DataKind::Iban,
            &owner,
            TrustLevel::Low,
        )
        .unwrap();
    let text = a.to_string();
    assert!(!text.contains(IBAN) && !text.contains("DE89"));
    assert_eq!(text.len(), "[SIGIL-VAULT: IBAN:]".len() + 26);
    // Nearly equal values get unrelated ids: about half of the 128 bits differ.
    let differing: u32 =
        a.id.as_bytes()
            .iter()
            .zip(b.id.as_bytes())
            .map(|(x, y)| (x ^ y).count_ones())
            .sum();
    assert!((20..=108).contains(&differing), "{differing} bits differ");
}

#[test]
fn ids_use_all_128_bits() {
    let vault = Vault::new(
        MasterKey::generate().unwrap(),
        MemoryStore::new(),
        VaultConfig::default().with_dedup(false),
    );
    let owner = alice();
    let mut ones = [0u32; 128];
    let n = 200;
    for _ in 0..n {
        let p = vault
            .store("same value", DataKind::Secret, &owner, TrustLevel::Low)
            .unwrap();
        for (i, byte) in p.id.as_bytes().iter().enumerate() {
            for bit in 0..8 {
                ones[i * 8 + bit] += u32::from((byte >> bit) & 1);
            }
        }
    }
    // Every bit position is set in some ids and clear in others.
    assert!(ones.iter().all(|&c| c > 0 && c < n), "{ones:?}");
}

#[test]
fn refusals_name_the_rule_that_failed() {
    let vault = vault();
    let owner = alice();
    let now = SystemTime::now();
    let p = vault
        .store(IBAN, DataKind::Iban, &owner, TrustLevel::Medium)
        .unwrap();
    let other = bob();
    let cases = [
        (
            ResolveRequest::new(&other, TrustLevel::High, &[DataKind::Iban]),
            VaultRefusal::WrongOwner,
        ),
        (
            ResolveRequest::new(&owner, TrustLevel::Low, &[DataKind::Iban]),
            VaultRefusal::TrustTooLow {
                stored: TrustLevel::Medium,
                presented: TrustLevel::Low,
            },
        ),
        (
            ResolveRequest::new(&owner, TrustLevel::High, &[DataKind::Email]),
            VaultRefusal::KindNotRevealed,
        ),
        (
            ResolveRequest::new(&owner, TrustLevel::High, &[DataKind::Iban])
                .at(now + Duration::from_secs(25 * 3600)),
            VaultRefusal::Expired,
        ),
    ];
    for (req, expected) in cases {
        assert_eq!(vault.resolve(&p, &req), Err(expected));
    }
    let req = ResolveRequest::new(&owner, TrustLevel::High, &DataKind::ALL);
    // A higher trust than stored is fine.
    assert_eq!(vault.resolve(&p, &req).unwrap().as_str(), IBAN);
    // Changing the tag in the pointer does not reach the record.
    let relabelled = Pointer {
        kind: DataKind::Email,
        ..p
    };
    assert_eq!(
        vault.resolve(&relabelled, &req),
        Err(VaultRefusal::UnknownPointer)
    );
    let unknown: Pointer = "[SIGIL-VAULT: IBAN:aaaaaaaaaaaaaaaaaaaaaaaaaa]"
        .parse()
        .unwrap();
    assert_eq!(
        vault.resolve(&unknown, &req),
        Err(VaultRefusal::UnknownPointer)
    );
}

#[test]
fn same_value_same_owner_dedups_and_others_do_not() {
    let vault = vault();
    let (a, b) = (alice(), bob());
    let p1 = vault
        .store(IBAN, DataKind::Iban, &a, TrustLevel::Low)
        .unwrap();
    let p2 = vault
        .store(IBAN, DataKind::Iban, &a, TrustLevel::Low)
        .unwrap();
    assert_eq!(p1, p2);
    assert_eq!(vault.len(), 1);
    let other_owner = vault
        .store(IBAN, DataKind::Iban, &b, TrustLevel::Low)
        .unwrap();
    let other_trust = vault
        .store(IBAN, DataKind::Iban, &a, TrustLevel::High)
        .unwrap();
    let other_kind = vault
        .store(IBAN, DataKind::Secret, &a, TrustLevel::Low)
        .unwrap();
    assert_ne!(p1.id, other_owner.id);
    assert_ne!(p1.id, other_trust.id);
    assert_ne!(p1.id, other_kind.id);
}

#[test]
fn storing_again_renews_the_expiry() {
    let vault = Vault::new(
        MasterKey::generate().unwrap(),
        MemoryStore::new(),
        VaultConfig::default().with_ttl(Duration::from_secs(60)),
    );
    let owner = alice();
    let t0 = SystemTime::now();
    let p = vault
        .store_at(IBAN, DataKind::Iban, &owner, TrustLevel::Low, t0)
        .unwrap();
    let t1 = t0 + Duration::from_secs(50);
    let again = vault
        .store_at(IBAN, DataKind::Iban, &owner, TrustLevel::Low, t1)
        .unwrap();
    assert_eq!(p, again);
    let req = ResolveRequest::new(&owner, TrustLevel::Low, &[DataKind::Iban])
        .at(t0 + Duration::from_secs(100));
    assert_eq!(vault.resolve(&p, &req).unwrap().as_str(), IBAN);
}

#[test]
fn resolve_in_value_replaces_allowed_pointers_inside_json_strings() {
    let vault = vault();
    let owner = alice();
    let iban = vault
        .store(IBAN, DataKind::Iban, &owner, TrustLevel::Low)
        .unwrap();
    let email = vault
        .store(
            "alice@example.com",
            DataKind::Email,
            &owner,
            TrustLevel::Low,
        )
        .unwrap();
    let mut args = json!({
        "to": iban.to_string(),
        "memo": format!("rent for {email}, account {iban}"),
        "nested": [{ "deep": [iban.to_string()] }, 42, null],
    });
    let req = ResolveRequest::new(&owner, TrustLevel::Low, &[DataKind::Iban]);
    let outcomes = vault.resolve_in_value(&mut args, &req);
    assert_eq!(args["to"], IBAN);
    assert_eq!(args["nested"][0]["deep"][0], IBAN);
    assert_eq!(
        args["memo"],
        format!("rent for {email}, account {IBAN}"),
        "the e-mail pointer stays opaque"
    );
    assert_eq!(outcomes.len(), 4);
    let refused: Vec<_> = outcomes.iter().filter(|o| !o.is_resolved()).collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].pointer, email);
    assert_eq!(refused[0].refusal, Some(VaultRefusal::KindNotRevealed));
    assert_eq!(refused[0].owner.as_deref(), Some("local:alice"));
    assert_eq!(refused[0].reason(), "kind_not_revealed");
    assert!(
        outcomes
            .iter()
            .filter(|o| o.is_resolved())
            .all(|o| o.reason() == "resolved")
    );
    // Outcomes are for the audit trail: no value in them.
    let shown = format!("{outcomes:?}");
    assert!(!shown.contains(IBAN) && !shown.contains("alice@example.com"));
}

#[test]
fn resolve_in_json_escapes_values_and_keeps_the_document_valid() {
    let vault = vault();
    let owner = alice();
    let value = "pa\"ss\\word\nline2\u{1}";
    let p = vault
        .store(value, DataKind::Password, &owner, TrustLevel::Low)
        .unwrap();
    let raw = json!({ "password": p.to_string(), "note": format!("x {p} y") }).to_string();
    let req = ResolveRequest::new(&owner, TrustLevel::Low, &[DataKind::Password]);
    let (out, outcomes) = vault.resolve_in_json(&raw, &req);
    assert_eq!(outcomes.len(), 2);
    let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(parsed["password"], value);
    assert_eq!(parsed["note"], format!("x {value} y"));
}

#[test]
fn resolve_in_text_leaves_refused_pointers_opaque() {
    let vault = vault();
    let owner = alice();
    let p = vault
        .store(IBAN, DataKind::Iban, &owner, TrustLevel::Low)
        .unwrap();
    let text = format!("send to {p} now");
    let stranger = bob();
    let req = ResolveRequest::new(&stranger, TrustLevel::High, &[DataKind::Iban]);
    let (out, outcomes) = vault.resolve_in_text(&text, &req);
    assert_eq!(out.as_str(), text);
    assert_eq!(outcomes[0].refusal, Some(VaultRefusal::WrongOwner));
    let req = ResolveRequest::new(&owner, TrustLevel::High, &[DataKind::Iban]);
    let (out, _) = vault.resolve_in_text(&text, &req);
    assert_eq!(out.as_str(), format!("send to {IBAN} now"));
    assert_eq!(find_pointers(&out).count(), 0);
}

#[test]
fn debug_of_vault_shows_no_key_or_value() {
    let key = MasterKey::from_bytes([0x5a; 32]);
    let vault = Vault::in_memory(key);
    vault
        .store(IBAN, DataKind::Iban, &alice(), TrustLevel::Low)
        .unwrap();
    let shown = format!("{vault:?} {vault:#?}");
    assert!(shown.contains("MasterKey(..)"), "{shown}");
    for needle in ["5a5a", "90, 90", "0x5a", IBAN] {
        assert!(!shown.contains(needle), "{shown}");
    }
}

#[test]
fn vault_is_shareable_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Vault>();
    let vault = std::sync::Arc::new(vault());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let vault = vault.clone();
            std::thread::spawn(move || {
                let owner = alice();
                let value = format!("secret-{i}");
                let p = vault
                    .store(&value, DataKind::Secret, &owner, TrustLevel::Low)
                    .unwrap();
                let req = ResolveRequest::new(&owner, TrustLevel::Low, &[DataKind::Secret]);
                assert_eq!(vault.resolve(&p, &req).unwrap().as_str(), value);
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(vault.len(), 4);
}
