//! Vault costs, printed from one run: store and resolve per value, and `resolve_in_value` on
//! 10 KB of tool arguments against a baseline walk that only clones the same `Value`.
//!
//! `cargo bench -p sigil-runtime --bench vault`

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sigil_runtime::identity::{Principal, TrustLevel};
use sigil_runtime::vault::{DataKind, MasterKey, ResolveRequest, Vault, VaultConfig};

/// Runs `f` for about `budget`, returns nanoseconds per call.
fn per_call(budget: Duration, mut f: impl FnMut()) -> f64 {
    let mut n = 0u64;
    let start = Instant::now();
    while start.elapsed() < budget {
        for _ in 0..64 {
            f();
        }
        n += 64;
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

fn args(pointers: &[String]) -> Value {
    let filler = "lorem ipsum dolor sit amet, consectetur adipiscing elit ".repeat(8);
    let mut items: Vec<Value> = (0..20)
        .map(|i| json!({ "id": i, "text": filler, "flag": i % 2 == 0 }))
        .collect();
    for (i, p) in pointers.iter().enumerate() {
        items[i * 5]["text"] = Value::String(format!("{filler} pay to {p} today"));
    }
    json!({ "items": items })
}

fn main() {
    let budget = Duration::from_millis(700);
    let alice = Principal::Local {
        user: "alice".into(),
    };
    let vault = Vault::new(
        MasterKey::generate().expect("random"),
        sigil_runtime::vault::MemoryStore::new(),
        VaultConfig::default().with_dedup(false),
    );
    let iban = "DE89370400440532013000";
    let store_ns = per_call(budget, || {
        black_box(
            vault
                .store(iban, DataKind::Iban, &alice, TrustLevel::Low)
                .expect("store"),
        );
    });
    let dedup_vault = Vault::in_memory(MasterKey::generate().expect("random"));
    let dedup_ns = per_call(budget, || {
        black_box(
            dedup_vault
                .store(iban, DataKind::Iban, &alice, TrustLevel::Low)
                .expect("store"),
        );
    });
    let pointer = vault
        .store(iban, DataKind::Iban, &alice, TrustLevel::Low)
        .expect("store");
    let req = ResolveRequest::new(&alice, TrustLevel::Low, &[DataKind::Iban]);
    let resolve_ns = per_call(budget, || {
        black_box(vault.resolve(&pointer, &req).expect("resolve"));
    });

    let pointers: Vec<String> = (0..3)
        .map(|_| {
            vault
                .store(iban, DataKind::Iban, &alice, TrustLevel::Low)
                .expect("store")
                .to_string()
        })
        .collect();
    let with = args(&pointers);
    let without = args(&[]);
    let size = with.to_string().len();
    let baseline_ns = per_call(budget, || {
        black_box(without.clone());
    });
    let clean_ns = per_call(budget, || {
        let mut v = without.clone();
        black_box(vault.resolve_in_value(&mut v, &req));
    });
    let three_ns = per_call(budget, || {
        let mut v = with.clone();
        let outcomes = vault.resolve_in_value(&mut v, &req);
        assert_eq!(outcomes.len(), 3);
        black_box(v);
    });

    println!("vault, one value ({} bytes), memory store:", iban.len());
    println!("  store (fresh pointer)          {:>9.0} ns", store_ns);
    println!("  store (dedup hit, re-seal)     {:>9.0} ns", dedup_ns);
    println!("  resolve                        {:>9.0} ns", resolve_ns);
    println!("resolve_in_value on {size} bytes of arguments (each run clones the Value):");
    println!("  baseline: clone only           {:>9.0} ns", baseline_ns);
    println!(
        "  ours, no pointer               {:>9.0} ns  ratio {:.2}",
        clean_ns,
        clean_ns / baseline_ns
    );
    println!(
        "  ours, 3 pointers resolved      {:>9.0} ns  ratio {:.2}",
        three_ns,
        three_ns / baseline_ns
    );
}
