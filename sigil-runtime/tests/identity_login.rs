//! OIDC login for local servers against a real OpenID provider (`oidc-provider` on loopback):
//! authorization code + PKCE S256 on a loopback redirect as the public native client
//! `sigil-cli`, the ID token verified, the tokens stored 0600, and a session bound to them.
//!
//! Needs `node` (>= 20) on PATH and `npm ci --prefix tests/oidc` done first.

mod oidc_support;

use std::time::{Duration, SystemTime};

use oidc_support::{RESOURCE, browse_to_redirect, confirm_device_code, flip_signature_bit, shared};
use sigil_runtime::identity::oidc::{
    DeviceCodePrompt, EIDAS_LOA_HIGH, EIDAS_LOA_SUBSTANTIAL, LoggedIn, LoginConfig, LoginError,
    LoginStore, TokenError, login_in_browser, login_with_device_code, session_from_login,
};
use sigil_runtime::identity::{AuthMethod, TrustLevel};

fn config(acr: Option<&str>) -> LoginConfig {
    let mut c = LoginConfig::new(&shared().0.issuer, "sigil-cli")
        .with_scopes(["bank:read", "bank:transfer"])
        .with_resource(RESOURCE)
        .with_login_hint("alice")
        .with_timeout(Duration::from_secs(20));
    if let Some(acr) = acr {
        c = c.with_acr_values(acr);
    }
    c
}

/// Runs `sigil login`'s flow with a form-less browser that may rewrite the final redirect.
async fn login_with(
    config: &LoginConfig,
    store: &LoginStore,
    rewrite: impl FnOnce(String) -> String + Send + 'static,
) -> Result<LoggedIn, LoginError> {
    let issuer = shared().0.issuer.clone();
    let (tx, rx) = tokio::sync::oneshot::channel::<String>();
    let browser = tokio::spawn(async move {
        let url = rx.await.unwrap();
        assert!(url.contains("code_challenge_method=S256"), "{url}");
        assert!(
            url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A"),
            "{url}"
        );
        let redirect = rewrite(browse_to_redirect(&issuer, &url).await);
        let _ = reqwest::get(redirect).await;
    });
    let done = login_in_browser(config, store, move |url| tx.send(url.to_owned()).unwrap()).await;
    browser.await.unwrap();
    done
}

async fn login(config: &LoginConfig, store: &LoginStore) -> LoggedIn {
    login_with(config, store, |r| r).await.unwrap()
}

#[tokio::test]
async fn a_login_binds_the_session_to_the_verified_id_token() {
    let issuer = &shared().0.issuer;
    let dir = tempfile::tempdir().unwrap();
    let store = LoginStore::at(dir.path());
    let config = config(Some(EIDAS_LOA_HIGH));
    let done = login(&config, &store).await;
    assert_eq!(done.principal.to_string(), format!("oidc:{issuer}#alice"));
    assert_eq!(done.trust, TrustLevel::High);
    assert!(
        done.scopes.iter().any(|s| s == "bank:transfer"),
        "{:?}",
        done.scopes
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&done.path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let session = session_from_login(&config, &store).await.unwrap();
    let caller = session.caller();
    assert_eq!(caller.method(), AuthMethod::OidcLogin);
    assert_eq!(caller.principal(), &done.principal);
    assert_eq!(caller.trust(), TrustLevel::High);
    let left = session
        .expires_at()
        .duration_since(SystemTime::now())
        .unwrap();
    assert!(
        left > Duration::from_secs(200) && left <= Duration::from_secs(300),
        "{left:?}"
    );
}

#[tokio::test]
async fn trust_follows_the_acr_of_the_login() {
    let dir = tempfile::tempdir().unwrap();
    let store = LoginStore::at(dir.path());
    assert_eq!(
        login(&config(Some(EIDAS_LOA_SUBSTANTIAL)), &store)
            .await
            .trust,
        TrustLevel::Medium
    );
    assert_eq!(login(&config(None), &store).await.trust, TrustLevel::Low);
    let session = session_from_login(&config(None), &store).await.unwrap();
    assert_eq!(
        session.caller().trust(),
        TrustLevel::Low,
        "the last login counts"
    );
}

#[tokio::test]
async fn a_tampered_or_missing_login_gives_no_session() {
    let dir = tempfile::tempdir().unwrap();
    let store = LoginStore::at(dir.path());
    let config = config(Some(EIDAS_LOA_HIGH));
    assert!(matches!(
        session_from_login(&config, &store).await,
        Err(LoginError::NotLoggedIn { .. })
    ));
    let done = login(&config, &store).await;
    let original = std::fs::read_to_string(&done.path).unwrap();
    let mut stored: serde_json::Value = serde_json::from_str(&original).unwrap();
    let id_token = stored["id_token"].as_str().unwrap().to_owned();

    stored["id_token"] = flip_signature_bit(&id_token).into();
    std::fs::write(&done.path, stored.to_string()).unwrap();
    assert_eq!(
        session_from_login(&config, &store).await.unwrap_err(),
        LoginError::IdToken(TokenError::BadSignature)
    );
    stored["id_token"] = id_token.clone().into();
    stored["nonce"] = "another-nonce".into();
    std::fs::write(&done.path, stored.to_string()).unwrap();
    assert_eq!(
        session_from_login(&config, &store).await.unwrap_err(),
        LoginError::IdToken(TokenError::InvalidClaim("nonce"))
    );
    // The same login for another client is not this client's login.
    let other = LoginConfig::new(&shared().0.issuer, "app");
    assert!(matches!(
        session_from_login(&other, &store).await,
        Err(LoginError::NotLoggedIn { .. })
    ));
    let err = session_from_login(&config, &store)
        .await
        .unwrap_err()
        .to_string();
    assert!(!err.contains(&id_token) && !original.is_empty());
}

#[tokio::test]
async fn a_refused_or_mixed_up_redirect_fails_the_login() {
    let dir = tempfile::tempdir().unwrap();
    let store = LoginStore::at(dir.path());
    let config = config(None);
    let denied = login_with(&config, &store, |redirect| {
        let (base, query) = redirect.split_once('?').unwrap();
        let state = query
            .split('&')
            .find(|kv| kv.starts_with("state="))
            .unwrap();
        format!("{base}?error=access_denied&{state}")
    })
    .await;
    assert_eq!(
        denied.unwrap_err(),
        LoginError::Denied("access_denied".into())
    );
    let mixed_up = login_with(&config, &store, |redirect| {
        let (base, query) = redirect.split_once('?').unwrap();
        let kept: Vec<&str> = query
            .split('&')
            .filter(|kv| !kv.starts_with("iss="))
            .collect();
        format!("{base}?{}&iss=http%3A%2F%2F127.0.0.1%3A1", kept.join("&"))
    })
    .await;
    assert!(
        matches!(mixed_up, Err(LoginError::Denied(_))),
        "{mixed_up:?}"
    );
    assert!(matches!(
        session_from_login(&config, &store).await,
        Err(LoginError::NotLoggedIn { .. })
    ));
}

#[tokio::test]
async fn an_unreachable_or_wrong_issuer_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = LoginStore::at(dir.path());
    let port = oidc_support::free_port();
    let nobody = LoginConfig::new(format!("http://127.0.0.1:{port}"), "sigil-cli");
    let err = login_in_browser(&nobody, &store, |_| panic!("no URL without a provider"))
        .await
        .unwrap_err();
    assert!(matches!(err, LoginError::Discovery(_)), "{err:?}");
    let plain = LoginConfig::new("http://login.example.eu", "sigil-cli");
    assert!(matches!(
        login_in_browser(&plain, &store, |_| ()).await,
        Err(LoginError::Config(_))
    ));
}

async fn device_login(
    config: &LoginConfig,
    store: &LoginStore,
    confirm: bool,
) -> Result<LoggedIn, LoginError> {
    let issuer = shared().0.issuer.clone();
    let (tx, rx) = tokio::sync::oneshot::channel::<DeviceCodePrompt>();
    let user = tokio::spawn(async move {
        let prompt = rx.await.unwrap();
        assert!(prompt.verification_uri.starts_with(&issuer), "{prompt:?}");
        let complete = prompt.verification_uri_complete.clone().unwrap();
        confirm_device_code(&issuer, &complete, confirm).await;
    });
    let done = login_with_device_code(config, store, move |p| tx.send(p.clone()).unwrap()).await;
    user.await.unwrap();
    done
}

#[tokio::test]
async fn the_device_grant_logs_in_and_binds_the_session() {
    let issuer = &shared().0.issuer;
    let dir = tempfile::tempdir().unwrap();
    let store = LoginStore::at(dir.path());
    let config = config(Some(EIDAS_LOA_SUBSTANTIAL));
    let done = device_login(&config, &store, true).await.unwrap();
    assert_eq!(done.principal.to_string(), format!("oidc:{issuer}#alice"));
    assert_eq!(done.trust, TrustLevel::Medium);
    let session = session_from_login(&config, &store).await.unwrap();
    assert_eq!(session.caller().method(), AuthMethod::OidcLogin);
    assert_eq!(session.caller().trust(), TrustLevel::Medium);
}

#[tokio::test]
async fn an_aborted_device_code_fails_the_login() {
    let dir = tempfile::tempdir().unwrap();
    let store = LoginStore::at(dir.path());
    let config = config(None);
    let refused = device_login(&config, &store, false).await;
    assert_eq!(
        refused.unwrap_err(),
        LoginError::Denied("access_denied".into())
    );
    assert!(matches!(
        session_from_login(&config, &store).await,
        Err(LoginError::NotLoggedIn { .. })
    ));
}

#[tokio::test]
async fn an_expired_login_is_renewed_only_with_a_refresh_token_for_the_same_subject() {
    let issuer = &shared().0.issuer;
    // sigil-cli-short's ID tokens live 3 s.
    let short = |offline: bool| {
        let c = LoginConfig::new(issuer, "sigil-cli-short")
            .with_scopes(["bank:read"])
            .with_resource(RESOURCE)
            .with_login_hint("alice")
            .with_acr_values(EIDAS_LOA_HIGH)
            .with_timeout(Duration::from_secs(20));
        if offline {
            c.with_scopes(["offline_access"])
        } else {
            c
        }
    };
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let (with_refresh, without, tampered) = (
        LoginStore::at(a.path()),
        LoginStore::at(b.path()),
        LoginStore::at(c.path()),
    );
    let first = login(&short(true), &with_refresh).await;
    login(&short(false), &without).await;
    let other = login(&short(true), &tampered).await;
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&first.path).unwrap()).unwrap();
    assert!(
        stored["refresh_token"].is_string(),
        "offline_access gives a refresh token"
    );
    let mut edited: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&other.path).unwrap()).unwrap();
    edited["subject"] = "mallory".into();
    std::fs::write(&other.path, edited.to_string()).unwrap();

    let wait = first
        .expires_at
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    tokio::time::sleep(wait + Duration::from_millis(1100)).await;

    let session = session_from_login(&short(true), &with_refresh)
        .await
        .unwrap();
    assert_eq!(session.caller().principal(), &first.principal);
    assert_eq!(
        session.caller().trust(),
        TrustLevel::High,
        "acr of the original login"
    );
    assert!(session.expires_at() > first.expires_at);
    let renewed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&first.path).unwrap()).unwrap();
    assert_ne!(
        renewed["id_token"], stored["id_token"],
        "the store holds the new ID token"
    );

    assert_eq!(
        session_from_login(&short(false), &without)
            .await
            .unwrap_err(),
        LoginError::Expired
    );
    assert_eq!(
        session_from_login(&short(true), &tampered)
            .await
            .unwrap_err(),
        LoginError::IdToken(TokenError::InvalidClaim("sub"))
    );
}
