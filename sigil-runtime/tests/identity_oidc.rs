//! The OIDC resource server against a real OpenID provider (`oidc-provider` on loopback).
//!
//! Needs `node` (>= 20) on PATH and `npm ci --prefix tests/oidc` done first; fails with that
//! message otherwise. The provider signs with a key this test generated, so the test can also
//! forge exact variants of a token.

mod oidc_support;

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey};
use oidc_support::{
    KID, OTHER_RESOURCE, Provider, RESOURCE, TestKey, config, flip_signature_bit, free_port,
    node_private_jwk, now, payload, shared, sign_with, with_payload,
};
use serde_json::{Value, json};
use sigil_runtime::identity::oidc::{
    EIDAS_LOA_SUBSTANTIAL, IssuerConfig, OidcConfig, OidcVerifier, SubjectKind, TokenError,
};
use sigil_runtime::identity::{Principal, TrustLevel};

async fn verifier() -> OidcVerifier {
    OidcVerifier::discover(config(&shared().0.issuer))
        .await
        .unwrap()
}

/// Claims like the provider's, valid now, for forging variants.
fn claims(issuer: &str) -> Value {
    let now = now();
    json!({
        "iss": issuer, "sub": "alice", "aud": RESOURCE, "client_id": "app",
        "iat": now, "nbf": now, "exp": now + 300, "scope": "bank:read",
        "acr": "http://eidas.europa.eu/LoA/high", "jti": "t-1",
    })
}

fn at_jwt_header() -> Value {
    json!({"alg": "ES256", "typ": "at+jwt", "kid": KID})
}

/// Forges a token with the provider's own key, with `change` applied to the claims.
fn forge(change: impl FnOnce(&mut Value)) -> String {
    let (provider, key) = shared();
    let mut c = claims(&provider.issuer);
    change(&mut c);
    key.sign(&at_jwt_header(), &c)
}

// ---------------------------------------------------------------- accepted, trust from acr

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_tokens_get_the_trust_of_their_eidas_acr() {
    let (provider, _) = shared();
    let verifier = verifier().await;
    for (client, trust) in [
        ("client-low", TrustLevel::Low),
        ("client-substantial", TrustLevel::Medium),
        ("client-high", TrustLevel::High),
    ] {
        let token = provider
            .client_credentials(client, "bank:read", RESOURCE)
            .await;
        let verified = verifier.verify(&token).await.unwrap();
        assert_eq!(verified.trust, trust, "{client}");
        assert_eq!(verified.subject_kind, SubjectKind::Service);
        assert_eq!(
            verified.principal.to_string(),
            format!("oidc:{}#{client}", provider.issuer)
        );
        assert_eq!(verified.client_id.as_deref(), Some(client));
        assert_eq!(verified.scopes, ["bank:read"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_alone_caps_trust_at_low_whatever_the_acr() {
    let (provider, _) = shared();
    let token = provider
        .client_credentials("client-high-pwd", "bank:read", RESOURCE)
        .await;
    assert_eq!(payload(&token)["acr"], "http://eidas.europa.eu/LoA/high");
    assert_eq!(
        verifier().await.verify(&token).await.unwrap().trust,
        TrustLevel::Low
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_trust_is_a_ceiling_for_client_credentials() {
    let (provider, _) = shared();
    let high = provider
        .client_credentials("client-high", "bank:read", RESOURCE)
        .await;
    let plain = provider
        .client_credentials("client-service", "bank:read", RESOURCE)
        .await;
    let medium = OidcConfig::new(vec![
        IssuerConfig::new(&provider.issuer, RESOURCE).with_service_trust(TrustLevel::Medium),
    ]);
    let verifier = OidcVerifier::discover(medium).await.unwrap();
    assert_eq!(
        verifier.verify(&high).await.unwrap().trust,
        TrustLevel::Medium
    );
    assert_eq!(
        verifier.verify(&plain).await.unwrap().trust,
        TrustLevel::Medium
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_token_from_the_authorization_code_flow_is_a_user_principal() {
    let (provider, _) = shared();
    let verifier = verifier().await;
    let (access, _) = provider
        .authorization_code(Some(EIDAS_LOA_SUBSTANTIAL))
        .await;
    let verified = verifier.verify(&access).await.unwrap();
    assert_eq!(
        verified.principal,
        Principal::Oidc {
            issuer: provider.issuer.clone(),
            subject: "alice".into()
        }
    );
    assert_eq!(verified.subject_kind, SubjectKind::User);
    assert_eq!(verified.trust, TrustLevel::Medium);
    assert_eq!(verified.acr.as_deref(), Some(EIDAS_LOA_SUBSTANTIAL));

    let (no_acr, _) = provider.authorization_code(None).await;
    assert_eq!(
        verifier.verify(&no_acr).await.unwrap().trust,
        TrustLevel::Low
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correctly_forged_token_is_accepted_so_the_refusals_below_mean_something() {
    let verified = verifier().await.verify(&forge(|_| {})).await.unwrap();
    assert_eq!(verified.trust, TrustLevel::High);
    assert_eq!(verified.subject_kind, SubjectKind::User);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rsa_pss_and_ed25519_providers_are_verified_too() {
    for (kind, alg) in [("rsa", "RS256"), ("rsa", "PS256"), ("ed25519", "EdDSA")] {
        let provider = Provider::start_with_jwk(free_port(), &node_private_jwk(kind, "k", alg));
        let verifier = OidcVerifier::discover(config(&provider.issuer))
            .await
            .unwrap();
        let token = provider
            .client_credentials("client-high", "bank:read", RESOURCE)
            .await;
        let verified = verifier.verify(&token).await;
        assert_eq!(verified.map(|t| t.trust), Ok(TrustLevel::High), "{alg}");
        assert_eq!(
            refused_by(&verifier, &flip_signature_bit(&token)).await,
            TokenError::BadSignature
        );
    }
}

// ---------------------------------------------------------------- refused

async fn refused_by(verifier: &OidcVerifier, token: &str) -> TokenError {
    verifier.verify(token).await.unwrap_err()
}

async fn refused(token: &str) -> TokenError {
    let err = verifier().await.verify(token).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(token.split('.').nth(1).unwrap_or("-")),
        "error leaks the token"
    );
    err
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_audience_is_refused() {
    let (provider, _) = shared();
    let genuine = provider
        .client_credentials("client-high", "bank:read", OTHER_RESOURCE)
        .await;
    assert_eq!(refused(&genuine).await, TokenError::WrongAudience);
    let forged = forge(|c| c["aud"] = json!(["http://127.0.0.1:8650/mcp/", "app"]));
    assert_eq!(refused(&forged).await, TokenError::WrongAudience);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_issuer_is_refused() {
    let (provider, _) = shared();
    let other = forge(|c| c["iss"] = json!("http://127.0.0.1:1"));
    assert_eq!(refused(&other).await, TokenError::UnknownIssuer);
    let slash = forge(|c| c["iss"] = json!(format!("{}/", provider.issuer)));
    assert_eq!(refused(&slash).await, TokenError::UnknownIssuer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_and_not_yet_valid_tokens_are_refused() {
    let expired = forge(|c| c["exp"] = json!(now() - 61));
    assert_eq!(refused(&expired).await, TokenError::Expired);
    let early = forge(|c| c["nbf"] = json!(now() + 300));
    assert_eq!(refused(&early).await, TokenError::NotYetValid);
    let no_exp = forge(|c| {
        c.as_object_mut().unwrap().remove("exp");
    });
    assert_eq!(refused(&no_exp).await, TokenError::MissingClaim("exp"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_payload_or_a_flipped_signature_bit_is_refused() {
    let (provider, _) = shared();
    let genuine = provider
        .client_credentials("client-low", "bank:read", RESOURCE)
        .await;
    let mut raised = payload(&genuine);
    raised["acr"] = json!("http://eidas.europa.eu/LoA/high");
    raised["scope"] = json!("bank:read bank:transfer");
    assert_eq!(
        refused(&with_payload(&genuine, &raised)).await,
        TokenError::BadSignature
    );
    assert_eq!(
        refused(&flip_signature_bit(&genuine)).await,
        TokenError::BadSignature
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alg_none_is_refused() {
    let (provider, _) = shared();
    let header = b64_json(&json!({"alg": "none", "typ": "at+jwt", "kid": KID}));
    let body = b64_json(&claims(&provider.issuer));
    for signature in ["", "AAAA"] {
        let token = format!("{header}.{body}.{signature}");
        assert_eq!(refused(&token).await, TokenError::AlgNotAllowed);
    }
}

fn b64_json(v: &Value) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hs256_keyed_with_the_public_key_is_refused() {
    let (provider, key) = shared();
    let header = json!({"alg": "HS256", "typ": "at+jwt", "kid": KID});
    for secret in [key.public_pem(), key.public_jwk_json()] {
        let hmac = EncodingKey::from_secret(secret.as_bytes());
        let token = sign_with(&hmac, Algorithm::HS256, &header, &claims(&provider.issuer));
        assert_eq!(refused(&token).await, TokenError::AlgNotAllowed);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attacker_key_is_refused_under_the_providers_kid_or_its_own() {
    let (provider, _) = shared();
    let attacker = TestKey::generate(KID);
    let token = attacker.sign(&at_jwt_header(), &claims(&provider.issuer));
    assert_eq!(refused(&token).await, TokenError::BadSignature);
    let header = json!({"alg": "ES256", "typ": "at+jwt", "kid": "attacker-kid"});
    let token = attacker.sign(&header, &claims(&provider.issuer));
    assert_eq!(refused(&token).await, TokenError::UnknownKey);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_of_another_type_under_the_kid_is_refused() {
    let (provider, key) = shared();
    let header = json!({"alg": "RS256", "typ": "at+jwt", "kid": KID});
    let token = key.sign(&header, &claims(&provider.issuer));
    assert_eq!(refused(&token).await, TokenError::KeyMismatch);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_jwt_is_not_an_access_token() {
    let (provider, key) = shared();
    let header = json!({"alg": "ES256", "typ": "JWT", "kid": KID});
    let token = key.sign(&header, &claims(&provider.issuer));
    assert_eq!(refused(&token).await, TokenError::WrongType);
    let untyped = key.sign(
        &json!({"alg": "ES256", "kid": KID}),
        &claims(&provider.issuer),
    );
    assert_eq!(refused(&untyped).await, TokenError::WrongType);
    let media = key.sign(
        &json!({"alg": "ES256", "typ": "application/AT+JWT", "kid": KID}),
        &claims(&provider.issuer),
    );
    assert!(verifier().await.verify(&media).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_token_used_as_an_access_token_is_refused() {
    let (provider, _) = shared();
    let (_, id_token) = provider
        .authorization_code(Some(EIDAS_LOA_SUBSTANTIAL))
        .await;
    assert_eq!(payload(&id_token)["aud"], "app");
    assert_eq!(refused(&id_token).await, TokenError::WrongType);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_is_refused_without_a_panic() {
    let verifier = verifier().await;
    for garbage in [
        "",
        "a",
        "a.b.c",
        "..",
        "e30.e30.e30",
        "eyJhbGciOiJFUzI1NiJ9.%%%.x",
    ] {
        let err = verifier.verify(garbage).await.unwrap_err();
        assert!(
            matches!(
                err,
                TokenError::Malformed(_) | TokenError::MissingClaim("iss")
            ),
            "{err:?}"
        );
    }
    let huge = "a".repeat(20_000);
    assert_eq!(
        verifier.verify(&huge).await.unwrap_err(),
        TokenError::TooLarge
    );
}

// ---------------------------------------------------------------- JWKS cache

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_kid_bursts_cause_at_most_one_refetch_per_interval() {
    let (provider, _) = shared();
    let attacker = TestKey::generate("unknown");
    let header = json!({"alg": "ES256", "typ": "at+jwt", "kid": "unknown"});
    let token = attacker.sign(&header, &claims(&provider.issuer));

    let burst = |verifier: Arc<OidcVerifier>| {
        let token = token.clone();
        async move {
            let tasks: Vec<_> = (0..20)
                .map(|_| {
                    let (verifier, token) = (Arc::clone(&verifier), token.clone());
                    tokio::spawn(async move { verifier.verify(&token).await })
                })
                .collect();
            for task in tasks {
                assert_eq!(task.await.unwrap(), Err(TokenError::UnknownKey));
            }
        }
    };

    // Default interval (30 s): the fetch at discovery was just now, so no refetch at all.
    let default = Arc::new(
        OidcVerifier::discover(config(&provider.issuer))
            .await
            .unwrap(),
    );
    burst(Arc::clone(&default)).await;
    assert_eq!(default.jwks_fetches(&provider.issuer), Some(1));

    // A 1 s interval, once it has passed: one refetch for the whole burst, then none.
    let short = config(&provider.issuer).with_jwks_min_refetch(Duration::from_secs(1));
    let verifier = Arc::new(OidcVerifier::discover(short).await.unwrap());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    burst(Arc::clone(&verifier)).await;
    assert_eq!(verifier.jwks_fetches(&provider.issuer), Some(2));
    burst(Arc::clone(&verifier)).await;
    assert_eq!(verifier.jwks_fetches(&provider.issuer), Some(2));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    burst(Arc::clone(&verifier)).await;
    assert_eq!(verifier.jwks_fetches(&provider.issuer), Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_key_rotation_new_tokens_are_accepted_after_exactly_one_refetch() {
    let port = free_port();
    let old_key = TestKey::generate("rotation-old");
    let mut provider = Provider::start(port, &old_key);
    let issuer = provider.issuer.clone();
    let config = config(&issuer).with_jwks_min_refetch(Duration::from_secs(1));
    let verifier = OidcVerifier::discover(config).await.unwrap();
    let old_token = provider
        .client_credentials("client-high", "bank:read", RESOURCE)
        .await;
    assert!(verifier.verify(&old_token).await.is_ok());
    assert_eq!(verifier.jwks_fetches(&issuer), Some(1));

    provider.stop();
    let new_key = TestKey::generate("rotation-new");
    let provider = Provider::start(port, &new_key);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let new_token = provider
        .client_credentials("client-high", "bank:read", RESOURCE)
        .await;
    assert_eq!(
        verifier.verify(&new_token).await.unwrap().trust,
        TrustLevel::High
    );
    assert_eq!(verifier.jwks_fetches(&issuer), Some(2));
    let another = provider
        .client_credentials("client-low", "bank:read", RESOURCE)
        .await;
    assert!(verifier.verify(&another).await.is_ok());
    assert_eq!(verifier.jwks_fetches(&issuer), Some(2));
    // The old key left the JWKS: its tokens no longer verify.
    assert_eq!(
        verifier.verify(&old_token).await,
        Err(TokenError::UnknownKey)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_good_keys_stay_in_use_when_the_provider_is_down() {
    let port = free_port();
    let key = TestKey::generate("outage");
    let mut provider = Provider::start(port, &key);
    let issuer = provider.issuer.clone();
    let config = config(&issuer).with_jwks_min_refetch(Duration::from_millis(200));
    let verifier = OidcVerifier::discover(config).await.unwrap();
    let token = provider
        .client_credentials("client-high", "bank:read", RESOURCE)
        .await;
    provider.stop();
    tokio::time::sleep(Duration::from_millis(250)).await;
    // An unknown kid triggers a refetch, which fails: the known key must still work.
    let stranger = TestKey::generate("stranger");
    let header = json!({"alg": "ES256", "typ": "at+jwt", "kid": "stranger"});
    let probe = stranger.sign(&header, &claims(&issuer));
    assert_eq!(verifier.verify(&probe).await, Err(TokenError::UnknownKey));
    assert_eq!(verifier.jwks_fetches(&issuer), Some(2));
    assert!(verifier.verify(&token).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_fails_clearly_for_an_unreachable_or_misconfigured_issuer() {
    let nobody = format!("http://127.0.0.1:{}", free_port());
    let err = OidcVerifier::discover(config(&nobody)).await.unwrap_err();
    assert!(matches!(err, TokenError::Discovery { ref issuer, .. } if *issuer == nobody));
    assert!(!err.is_token_problem());
    let (provider, _) = shared();
    let slash = format!("{}/", provider.issuer);
    let err = OidcVerifier::discover(config(&slash)).await.unwrap_err();
    assert_eq!(
        err,
        TokenError::Discovery {
            issuer: slash,
            reason: "discovery document names another issuer"
        }
    );
}
