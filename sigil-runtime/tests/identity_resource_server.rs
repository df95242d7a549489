//! The resource server's answers (401, 403, step-up, metadata) with tokens from a real OpenID
//! provider. Needs `node` and `npm ci --prefix tests/oidc`, like `identity_oidc.rs`.

mod oidc_support;

use std::sync::Arc;

use oidc_support::{KID, RESOURCE, config, now, shared};
use serde_json::json;
use sigil_runtime::identity::TrustLevel;
use sigil_runtime::identity::oidc::{OidcVerifier, SubjectKind};
use sigil_runtime::identity::resource_server::ResourceServer;

const METADATA_URL: &str = "http://127.0.0.1:8650/.well-known/oauth-protected-resource/mcp";

async fn server() -> ResourceServer {
    let verifier = OidcVerifier::discover(config(&shared().0.issuer))
        .await
        .unwrap();
    ResourceServer::new(Arc::new(verifier), RESOURCE, ["bank:read", "bank:transfer"]).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metadata_names_the_issuer_and_lives_at_the_path_suffixed_well_known_url() {
    let server = server().await;
    assert_eq!(server.metadata_url(), METADATA_URL);
    assert_eq!(
        server.metadata_paths(),
        [
            "/.well-known/oauth-protected-resource/mcp",
            "/.well-known/oauth-protected-resource"
        ]
    );
    assert_eq!(
        server.metadata_json(),
        json!({
            "resource": RESOURCE,
            "authorization_servers": [shared().0.issuer],
            "scopes_supported": ["bank:read", "bank:transfer"],
            "bearer_methods_supported": ["header"],
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_gets_401_pointing_at_the_metadata() {
    let challenge = server().await.authenticate(None).await.unwrap_err();
    assert_eq!(challenge.status(), 401);
    assert_eq!(
        challenge.to_string(),
        format!(r#"Bearer resource_metadata="{METADATA_URL}", scope="bank:read bank:transfer""#)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_header_or_token_gets_401_invalid_token_without_echoing_it() {
    let server = server().await;
    let (provider, key) = shared();
    let expired = key.sign(
        &json!({"alg": "ES256", "typ": "at+jwt", "kid": KID}),
        &json!({"iss": provider.issuer, "sub": "alice", "aud": RESOURCE, "exp": now() - 3600}),
    );
    for (header, description) in [
        (
            "Basic YWxpY2U6c2VjcmV0".to_owned(),
            "malformed token: authorization scheme is not Bearer",
        ),
        (
            "Bearer not-a-jwt".to_owned(),
            "malformed token: a JWS has three segments",
        ),
        (format!("Bearer {expired}"), "token has expired"),
    ] {
        let challenge = server.authenticate(Some(&header)).await.unwrap_err();
        assert_eq!(challenge.status(), 401);
        let value = challenge.to_string();
        assert_eq!(
            value,
            format!(
                r#"Bearer error="invalid_token", error_description="{description}", resource_metadata="{METADATA_URL}""#
            )
        );
        assert!(!value.contains(&header[7..]));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_scopes_get_403_listing_every_needed_scope() {
    let server = server().await;
    let token = shared()
        .0
        .client_credentials("client-high", "bank:read", RESOURCE)
        .await;
    let caller = server
        .authenticate(Some(&format!("Bearer {token}")))
        .await
        .unwrap();
    assert_eq!(caller.subject_kind, SubjectKind::Service);
    assert_eq!(
        server.authorize(&caller, &["bank:read"], TrustLevel::High),
        Ok(())
    );
    let challenge = server
        .authorize(&caller, &["bank:read", "bank:transfer"], TrustLevel::Low)
        .unwrap_err();
    assert_eq!(challenge.status(), 403);
    assert_eq!(
        challenge.to_string(),
        format!(
            r#"Bearer error="insufficient_scope", resource_metadata="{METADATA_URL}", scope="bank:read bank:transfer""#
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_low_a_trust_gets_a_step_up_challenge_for_the_eidas_level() {
    let server = server().await;
    let token = shared()
        .0
        .client_credentials("client-substantial", "bank:read bank:transfer", RESOURCE)
        .await;
    let caller = server
        .authenticate(Some(&format!("bearer {token}")))
        .await
        .unwrap();
    assert_eq!(caller.trust, TrustLevel::Medium);
    assert_eq!(
        server.authorize(&caller, &["bank:transfer"], TrustLevel::Medium),
        Ok(())
    );
    let challenge = server
        .authorize(&caller, &["bank:transfer"], TrustLevel::High)
        .unwrap_err();
    assert_eq!(challenge.status(), 401);
    assert_eq!(
        challenge.to_string(),
        format!(
            concat!(
                r#"Bearer error="insufficient_user_authentication", "#,
                r#"error_description="authentication at trust level high is required", "#,
                r#"resource_metadata="{}", scope="bank:transfer", "#,
                r#"acr_values="http://eidas.europa.eu/LoA/high""#
            ),
            METADATA_URL
        )
    );
}
