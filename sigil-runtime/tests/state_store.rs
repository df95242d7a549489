//! The state seam's promises, held by both backends: the in-memory store and a real Redis.

mod qualified_cert_support;
mod redis_support;

use std::sync::Arc;
use std::time::Duration;

use sigil_runtime::state::{MAX_VALUE_BYTES, MemoryState, StateError, StateStore};

/// Every promise of the seam, on one store.
fn conformance(store: &dyn StateStore) {
    // put, get, replace; a missing key is None.
    store
        .put(
            &[("sigil:t:a", b"one"), ("sigil:t:b", b"two")],
            Duration::from_secs(60),
        )
        .unwrap();
    assert_eq!(
        store.get("sigil:t:a").unwrap().as_deref(),
        Some(&b"one"[..])
    );
    assert_eq!(
        store.get("sigil:t:b").unwrap().as_deref(),
        Some(&b"two"[..])
    );
    store
        .put(&[("sigil:t:a", b"uno")], Duration::from_secs(60))
        .unwrap();
    assert_eq!(
        store.get("sigil:t:a").unwrap().as_deref(),
        Some(&b"uno"[..])
    );
    assert_eq!(store.get("sigil:t:missing").unwrap(), None);
    // Binary values survive.
    let binary: Vec<u8> = (0..=255).collect();
    store
        .put(&[("sigil:t:bin", &binary)], Duration::from_secs(60))
        .unwrap();
    assert_eq!(store.get("sigil:t:bin").unwrap(), Some(binary));

    // The store enforces the TTL.
    store
        .put(&[("sigil:t:short", b"x")], Duration::from_millis(50))
        .unwrap();
    assert!(
        store
            .put_new("sigil:t:once-short", b"x", Duration::from_millis(50))
            .unwrap()
    );
    std::thread::sleep(Duration::from_millis(120));
    assert_eq!(store.get("sigil:t:short").unwrap(), None);
    // An expired marker can be set again.
    assert!(
        store
            .put_new("sigil:t:once-short", b"x", Duration::from_secs(60))
            .unwrap()
    );

    // Single use: the first caller wins, the value is kept.
    assert!(
        store
            .put_new("sigil:t:once", b"first", Duration::from_secs(60))
            .unwrap()
    );
    assert!(
        !store
            .put_new("sigil:t:once", b"second", Duration::from_secs(60))
            .unwrap()
    );
    assert_eq!(
        store.get("sigil:t:once").unwrap().as_deref(),
        Some(&b"first"[..])
    );

    // A bucket of 10 per minute gives 10 of 12, and another key has its own.
    let taken = (0..12)
        .filter(|_| {
            store
                .take_token("sigil:t:bucket", 10, Duration::from_secs(60))
                .unwrap()
        })
        .count();
    assert_eq!(taken, 10);
    assert!(
        store
            .take_token("sigil:t:other", 10, Duration::from_secs(60))
            .unwrap()
    );
    // It refills: 2 per 200 ms, empty, then one more after 150 ms.
    assert!(
        store
            .take_token("sigil:t:fast", 2, Duration::from_millis(200))
            .unwrap()
    );
    assert!(
        store
            .take_token("sigil:t:fast", 2, Duration::from_millis(200))
            .unwrap()
    );
    assert!(
        !store
            .take_token("sigil:t:fast", 2, Duration::from_millis(200))
            .unwrap()
    );
    std::thread::sleep(Duration::from_millis(150));
    assert!(
        store
            .take_token("sigil:t:fast", 2, Duration::from_millis(200))
            .unwrap()
    );

    // Values above the limit are refused, and nothing of the batch is stored.
    let big = vec![0u8; MAX_VALUE_BYTES + 1];
    let refused = store.put(
        &[("sigil:t:ok", b"v"), ("sigil:t:big", &big)],
        Duration::from_secs(60),
    );
    assert!(
        matches!(refused, Err(StateError::TooLarge { .. })),
        "{refused:?}"
    );
    assert_eq!(store.get("sigil:t:ok").unwrap(), None);
    assert!(matches!(
        store.put_new("sigil:t:big", &big, Duration::from_secs(60)),
        Err(StateError::TooLarge { .. })
    ));
}

/// Eight threads race for one marker and one bucket of five: one marker, five tokens.
fn races(store: Arc<dyn StateStore>) {
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                let won = store
                    .put_new("sigil:race:once", b"x", Duration::from_secs(60))
                    .unwrap();
                let tokens = (0..3)
                    .filter(|_| {
                        store
                            .take_token("sigil:race:bucket", 5, Duration::from_secs(60))
                            .unwrap()
                    })
                    .count();
                (usize::from(won), tokens)
            })
        })
        .collect();
    let (won, tokens) = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .fold((0, 0), |(a, b), (c, d)| (a + c, b + d));
    assert_eq!(won, 1, "exactly one caller wins a marker");
    assert_eq!(tokens, 5, "a bucket of five gives five tokens in all");
}

#[test]
fn memory_state_keeps_the_promises() {
    conformance(&MemoryState::new());
    races(Arc::new(MemoryState::new()));
}

#[cfg(feature = "redis")]
mod on_redis {
    use super::redis_support::RedisServer;
    use super::*;
    use sigil_runtime::state::{RedisOptions, RedisState};

    fn quick() -> RedisOptions {
        RedisOptions {
            connect_timeout: Duration::from_millis(300),
            answer_timeout: Duration::from_millis(300),
            ..RedisOptions::default()
        }
    }

    #[test]
    fn redis_state_keeps_the_promises() {
        let redis = RedisServer::start();
        let store = RedisState::connect(&redis.url(), RedisOptions::default()).unwrap();
        assert!(store.is_shared());
        assert_eq!(
            store.describe(),
            format!("redis://127.0.0.1:{}/0", redis.port)
        );
        conformance(&store);
        races(Arc::new(
            RedisState::connect(&redis.url(), RedisOptions::default()).unwrap(),
        ));
    }

    #[test]
    fn two_connections_share_one_bucket_and_one_marker() {
        let redis = RedisServer::start();
        let a = RedisState::connect(&redis.url(), RedisOptions::default()).unwrap();
        let b = RedisState::connect(&redis.url(), RedisOptions::default()).unwrap();
        a.put(&[("sigil:v:1", b"sealed")], Duration::from_secs(60))
            .unwrap();
        assert_eq!(b.get("sigil:v:1").unwrap().as_deref(), Some(&b"sealed"[..]));
        assert!(
            a.put_new("sigil:once:n", b"", Duration::from_secs(60))
                .unwrap()
        );
        assert!(
            !b.put_new("sigil:once:n", b"", Duration::from_secs(60))
                .unwrap()
        );
        let per = Duration::from_secs(60);
        let taken = (0..12)
            .filter(|i| {
                let store = if i % 2 == 0 { &a } else { &b };
                store.take_token("sigil:rate:x", 10, per).unwrap()
            })
            .count();
        assert_eq!(taken, 10, "10/min across two replicas is 10/min in all");
    }

    #[test]
    fn unreachable_redis_fails_closed_and_recovers_by_itself() {
        let mut redis = RedisServer::start();
        let store = RedisState::connect(&redis.url(), quick()).unwrap();
        assert!(
            store
                .put_new("sigil:once:a", b"", Duration::from_secs(60))
                .unwrap()
        );
        redis.stop();
        for attempt in [
            store
                .put_new("sigil:once:b", b"", Duration::from_secs(60))
                .map(drop),
            store.get("sigil:once:a").map(drop),
            store
                .take_token("sigil:rate:r", 1, Duration::from_secs(1))
                .map(drop),
            store.put(&[("sigil:v:x", b"")], Duration::from_secs(1)),
        ] {
            let err = attempt.unwrap_err();
            assert!(matches!(err, StateError::Unavailable { .. }), "{err:?}");
            let text = err.to_string();
            assert!(
                text.starts_with("the shared state is unavailable: redis://127.0.0.1:"),
                "{text}"
            );
        }
        redis.restart();
        // The connection manager reconnects on its own; give it a few tries.
        let recovered = (0..50).any(|_| {
            std::thread::sleep(Duration::from_millis(100));
            store
                .put_new("sigil:once:c", b"", Duration::from_secs(60))
                .is_ok()
        });
        assert!(recovered, "the store works again after Redis comes back");
    }

    #[test]
    fn a_store_that_is_down_at_start_is_a_clear_error() {
        let mut redis = RedisServer::start();
        let url = redis.url();
        redis.stop();
        let err = RedisState::connect(&url, quick()).unwrap_err();
        assert!(matches!(err, StateError::Unavailable { .. }), "{err:?}");
        let err = RedisState::connect("http://127.0.0.1:1/", quick()).unwrap_err();
        assert!(matches!(err, StateError::Config(_)), "{err:?}");
    }

    #[test]
    fn rediss_works_with_the_ca_given_and_refuses_an_untrusted_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let ca = super::qualified_cert_support::Ca::new("state test CA");
        let issued = ca.server();
        let (cert, key) = (dir.path().join("redis.pem"), dir.path().join("redis.key"));
        std::fs::write(&cert, &issued.cert_pem).unwrap();
        std::fs::write(&key, &issued.key_pem).unwrap();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, &ca.cert.cert_pem).unwrap();
        let redis = RedisServer::start_tls(&cert, &key);
        let url = format!("rediss://127.0.0.1:{}/0", redis.port);
        let trusted = RedisOptions {
            ca_file: Some(ca_file.clone()),
            ..quick()
        };
        let store = RedisState::connect(&url, trusted).unwrap();
        assert_eq!(
            store.describe(),
            format!("rediss://127.0.0.1:{}/0", redis.port)
        );
        assert!(
            store
                .put_new("sigil:once:tls", b"", Duration::from_secs(60))
                .unwrap()
        );
        // The system's roots do not know this certificate: no connection, a clear error.
        let err = RedisState::connect(&url, quick()).unwrap_err();
        assert!(matches!(err, StateError::Unavailable { .. }), "{err:?}");
        // Plain redis:// to a TLS port gets no answer either.
        let plain = format!("redis://127.0.0.1:{}/0", redis.port);
        assert!(RedisState::connect(&plain, quick()).is_err());
        // A CA file with a plain URL is a configuration mistake, said as one.
        let mistaken = RedisOptions {
            ca_file: Some(ca_file),
            ..quick()
        };
        assert!(matches!(
            RedisState::connect(&plain, mistaken),
            Err(StateError::Config(_))
        ));
    }

    #[test]
    fn auth_works_and_no_password_reaches_an_error() {
        let password = "s3cret-Passw0rd-xyz";
        let redis = RedisServer::start_with(Some(password));
        let store = RedisState::connect(&redis.url(), quick()).unwrap();
        assert!(
            store
                .put_new("sigil:once:auth", b"", Duration::from_secs(60))
                .unwrap()
        );
        assert!(!store.describe().contains(password));
        assert!(!format!("{store:?}").contains(password));
        let wrong = format!("redis://:wrong-{password}@127.0.0.1:{}/0", redis.port);
        let err = RedisState::connect(&wrong, quick()).unwrap_err();
        assert!(!err.to_string().contains(password), "{err}");
        assert!(!format!("{err:?}").contains(password), "{err:?}");
        let no_password = format!("redis://127.0.0.1:{}/0", redis.port);
        let err = RedisState::connect(&no_password, quick()).unwrap_err();
        assert!(matches!(err, StateError::Unavailable { .. }), "{err:?}");
        // Inside a Tokio runtime of either flavour, calls neither panic nor deadlock.
        let store = Arc::new(store);
        for rt in [
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        ] {
            let store = store.clone();
            let got = rt.block_on(async move {
                tokio::spawn(async move { store.get("sigil:once:auth") })
                    .await
                    .unwrap()
            });
            assert_eq!(got.unwrap().as_deref(), Some(&b""[..]));
        }
    }
}
