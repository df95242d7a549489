//! RFC 7662 introspection of opaque access tokens against a real OpenID provider
//! (`oidc-provider` on loopback, whose `opaque-*` clients get opaque tokens).
//!
//! Needs `node` (>= 20) on PATH and `npm ci --prefix tests/oidc` done first.

mod oidc_support;

use std::time::Duration;

use oidc_support::{OTHER_RESOURCE, RESOURCE, shared};
use sigil_runtime::identity::TrustLevel;
use sigil_runtime::identity::oidc::{
    IntrospectionConfig, IssuerConfig, OidcConfig, OidcVerifier, SubjectKind, TokenError,
};

fn introspection() -> IntrospectionConfig {
    IntrospectionConfig::new("sigil-rs", "secret-sigil-rs")
}

async fn verifier_with(introspection: IntrospectionConfig, leeway: Duration) -> OidcVerifier {
    let issuer = &shared().0.issuer;
    let config = OidcConfig::new(vec![
        IssuerConfig::new(issuer, RESOURCE)
            .with_service_trust(TrustLevel::High)
            .with_introspection(introspection),
    ])
    .with_leeway(leeway);
    OidcVerifier::discover(config).await.unwrap()
}

async fn opaque(client: &str, resource: &str) -> String {
    let token = shared()
        .0
        .client_credentials(client, "bank:read bank:transfer", resource)
        .await;
    assert_eq!(
        token.matches('.').count(),
        0,
        "{client} should get an opaque token"
    );
    token
}

#[tokio::test]
async fn an_opaque_token_is_accepted_with_its_trust_mapped_from_acr() {
    let issuer = &shared().0.issuer;
    let verifier = verifier_with(introspection(), Duration::from_secs(30)).await;
    let high = verifier
        .verify(&opaque("opaque-high", RESOURCE).await)
        .await
        .unwrap();
    assert_eq!(
        high.principal.to_string(),
        format!("oidc:{issuer}#opaque-high")
    );
    assert_eq!(high.trust, TrustLevel::High);
    assert_eq!(high.subject_kind, SubjectKind::Service);
    assert_eq!(high.scopes, ["bank:read", "bank:transfer"]);
    let low = verifier
        .verify(&opaque("opaque-low", RESOURCE).await)
        .await
        .unwrap();
    assert_eq!(low.trust, TrustLevel::Low);
    assert_eq!(verifier.introspections(issuer), Some(2));
}

#[tokio::test]
async fn an_accepted_answer_is_reused_and_jwts_never_go_to_introspection() {
    let issuer = &shared().0.issuer;
    let verifier = verifier_with(introspection(), Duration::from_secs(30)).await;
    let token = opaque("opaque-high", RESOURCE).await;
    for _ in 0..3 {
        verifier.verify(&token).await.unwrap();
    }
    assert_eq!(verifier.introspections(issuer), Some(1));
    let jwt = shared()
        .0
        .client_credentials("client-high", "bank:read", RESOURCE)
        .await;
    assert_eq!(verifier.verify(&jwt).await.unwrap().trust, TrustLevel::High);
    assert_eq!(verifier.introspections(issuer), Some(1));
}

#[tokio::test]
async fn revoked_unknown_and_foreign_tokens_are_refused_and_not_cached() {
    let (provider, _) = shared();
    let verifier = verifier_with(introspection(), Duration::from_secs(30)).await;
    let token = opaque("opaque-high", RESOURCE).await;
    provider.revoke("opaque-high", &token).await;
    assert_eq!(verifier.verify(&token).await, Err(TokenError::Inactive));
    assert_eq!(verifier.verify(&token).await, Err(TokenError::Inactive));
    assert_eq!(
        verifier.introspections(&provider.issuer),
        Some(2),
        "a refusal is never cached"
    );
    assert_eq!(
        verifier.verify("made-up-opaque-token").await,
        Err(TokenError::Inactive)
    );
    let foreign = opaque("opaque-high", OTHER_RESOURCE).await;
    assert_eq!(
        verifier.verify(&foreign).await,
        Err(TokenError::WrongAudience)
    );
}

#[tokio::test]
async fn a_revocation_is_seen_once_the_cache_ttl_has_passed() {
    let (provider, _) = shared();
    let verifier = verifier_with(
        introspection().with_max_cache_ttl(Duration::from_secs(1)),
        Duration::from_secs(30),
    )
    .await;
    let token = opaque("opaque-high", RESOURCE).await;
    verifier.verify(&token).await.unwrap();
    provider.revoke("opaque-high", &token).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(verifier.verify(&token).await, Err(TokenError::Inactive));
}

#[tokio::test]
async fn the_cache_does_not_outlive_the_token() {
    let issuer = &shared().0.issuer;
    // A cache TTL far longer than the 3 s the opaque-short tokens live.
    let verifier = verifier_with(
        introspection().with_max_cache_ttl(Duration::from_secs(3600)),
        Duration::ZERO,
    )
    .await;
    let token = opaque("opaque-short", RESOURCE).await;
    let verified = verifier.verify(&token).await.unwrap();
    verifier.verify(&token).await.unwrap();
    assert_eq!(verifier.introspections(issuer), Some(1));
    let left = verified
        .expires_at
        .duration_since(std::time::SystemTime::now())
        .unwrap_or_default();
    assert!(left <= Duration::from_secs(3), "{left:?}");
    tokio::time::sleep(left + Duration::from_millis(1100)).await;
    let after = verifier.verify(&token).await;
    assert!(
        matches!(after, Err(TokenError::Inactive | TokenError::Expired)),
        "{after:?}"
    );
    assert_eq!(
        verifier.introspections(issuer),
        Some(2),
        "the provider was asked again"
    );
}

#[tokio::test]
async fn wrong_resource_server_credentials_fail_closed() {
    let issuer = &shared().0.issuer;
    let bad = IntrospectionConfig::new("sigil-rs", "wrong-secret");
    let verifier = verifier_with(bad, Duration::from_secs(30)).await;
    let token = opaque("opaque-high", RESOURCE).await;
    let refused = verifier.verify(&token).await.unwrap_err();
    assert!(
        matches!(refused, TokenError::Introspection(_)),
        "{refused:?}"
    );
    assert!(!refused.is_token_problem());
    assert!(!refused.to_string().contains(&token));
    assert!(!refused.to_string().contains("wrong-secret"));
    assert_eq!(verifier.introspections(issuer), Some(1));
}

#[tokio::test]
async fn introspection_needs_a_loopback_or_https_endpoint_and_one_issuer() {
    let issuer = &shared().0.issuer;
    let plain_http = introspection().with_endpoint("http://introspect.example.eu/x");
    let config = OidcConfig::new(vec![
        IssuerConfig::new(issuer, RESOURCE).with_introspection(plain_http),
    ]);
    assert!(matches!(
        OidcVerifier::discover(config).await,
        Err(TokenError::Config(_))
    ));
    let config = OidcConfig::new(vec![
        IssuerConfig::new(issuer, RESOURCE).with_introspection(introspection()),
        IssuerConfig::new("https://login.example.eu", RESOURCE).with_introspection(introspection()),
    ]);
    assert!(matches!(
        OidcVerifier::discover(config).await,
        Err(TokenError::Config(_))
    ));
}

#[tokio::test]
async fn the_http_front_door_accepts_opaque_tokens_through_introspection() {
    use sigil_runtime::identity::resource_server::ResourceServer;
    let verifier = verifier_with(introspection(), Duration::from_secs(30)).await;
    let server =
        ResourceServer::new(std::sync::Arc::new(verifier), RESOURCE, ["bank:read"]).unwrap();
    let token = opaque("opaque-high", RESOURCE).await;
    let verified = server
        .authenticate(Some(&format!("Bearer {token}")))
        .await
        .unwrap();
    assert!(
        server
            .authorize(&verified, &["bank:transfer"], TrustLevel::High)
            .is_ok()
    );
    let low = opaque("opaque-low", RESOURCE).await;
    let verified = server
        .authenticate(Some(&format!("Bearer {low}")))
        .await
        .unwrap();
    let step_up = server
        .authorize(&verified, &["bank:transfer"], TrustLevel::High)
        .unwrap_err();
    assert_eq!(step_up.status(), 401);
    let revoked = opaque("opaque-high", RESOURCE).await;
    shared().0.revoke("opaque-high", &revoked).await;
    let challenge = server
        .authenticate(Some(&format!("Bearer {revoked}")))
        .await
        .unwrap_err();
    assert_eq!(challenge.status(), 401);
    let header = challenge.to_string();
    assert!(
        header.contains("invalid_token") && header.contains("not active"),
        "{header}"
    );
    assert!(!header.contains(&revoked));
}

#[tokio::test]
async fn oversized_or_empty_opaque_tokens_never_reach_the_provider() {
    let issuer = &shared().0.issuer;
    let verifier = verifier_with(introspection(), Duration::from_secs(30)).await;
    let huge = "a".repeat(20 * 1024);
    assert_eq!(verifier.verify(&huge).await, Err(TokenError::TooLarge));
    assert_eq!(verifier.verify("").await, Err(TokenError::Missing));
    assert_eq!(verifier.introspections(issuer), Some(0));
}

#[tokio::test]
async fn a_flood_of_made_up_tokens_costs_the_issuer_no_more_than_the_budget() {
    let issuer = &shared().0.issuer;
    let verifier = verifier_with(
        introspection().with_max_requests_per_second(1),
        Duration::from_secs(30),
    )
    .await;
    let good = opaque("opaque-high", RESOURCE).await;
    verifier.verify(&good).await.unwrap();
    let mut inactive = 0;
    let mut over_budget = 0;
    for i in 0..50 {
        match verifier.verify(&format!("made-up-opaque-token-{i}")).await {
            Err(TokenError::Inactive) => inactive += 1,
            Err(TokenError::Introspection(why)) => {
                assert!(why.contains("too many"), "{why}");
                over_budget += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    // Burst of 2 at 1 per second: the good token took one, one made-up token was asked about
    // (two if a slow machine let the bucket refill during the loop); the rest never left here.
    assert!((1..=2).contains(&inactive), "{inactive} asked");
    assert_eq!(over_budget, 50 - inactive);
    assert_eq!(verifier.introspections(issuer), Some(1 + inactive));
    // A cached good token still passes during the flood.
    assert_eq!(
        verifier.verify(&good).await.unwrap().trust,
        TrustLevel::High
    );
    // Once the bucket refills, the issuer is asked again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(matches!(
        verifier.verify("made-up-after-a-pause").await,
        Err(TokenError::Inactive)
    ));
    assert_eq!(verifier.introspections(issuer), Some(2 + inactive));
}
