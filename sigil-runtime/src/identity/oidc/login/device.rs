//! The device authorization grant (RFC 8628): log in on another device by a short user code.

use std::time::{Duration, Instant};

use super::super::config::is_acceptable_url;
use super::super::form_post::{FormClient, post_form};
use super::error::{LoginError, oauth_error_word};
use super::{LoggedIn, LoginConfig, LoginStore, finish, provider};

/// The grant type of the token request (RFC 8628 §3.4).
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// The polling interval when the provider names none (RFC 8628 §3.2), and the step of
/// `slow_down` (§3.5).
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

/// What the user must be shown: where to go and which code to confirm there.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceCodePrompt {
    /// The code to enter or confirm (short-lived, single-use, not a credential of its own).
    pub user_code: String,
    /// The page to open.
    pub verification_uri: String,
    /// The same page with the code filled in, when the provider offers it.
    pub verification_uri_complete: Option<String>,
    /// How long the code is valid.
    pub expires_in: Duration,
}

/// Runs the device authorization grant: asks the provider for a device and user code, calls
/// `show` with what the user must do, and polls the token endpoint (at the provider's interval,
/// slowing down when asked) until the user has confirmed, refused, or the code expired (or
/// [`LoginConfig::timeout`] passed). The ID token is verified and the login stored as with
/// [`super::login_in_browser`].
pub async fn login_with_device_code(
    config: &LoginConfig,
    store: &LoginStore,
    show: impl FnOnce(&DeviceCodePrompt),
) -> Result<LoggedIn, LoginError> {
    let provider = provider(config).await?;
    let (Some(device_endpoint), Some(token_endpoint)) = (
        &provider.endpoints.device_authorization_endpoint,
        &provider.endpoints.token_endpoint,
    ) else {
        return Err(LoginError::Discovery(
            "the provider offers no device authorization grant",
        ));
    };
    let client = FormClient::Public {
        id: &config.client_id,
    };
    let scope = config.scope_string();
    let mut fields = vec![("scope", scope.as_str())];
    if let Some(resource) = &config.resource {
        fields.push(("resource", resource));
    }
    if let Some(acr) = &config.acr_values {
        fields.push(("acr_values", acr));
    }
    if let Some(hint) = &config.login_hint {
        fields.push(("login_hint", hint));
    }
    let answer = post_form(&provider.http, device_endpoint, &client, &fields)
        .await
        .map_err(|e| LoginError::TokenEndpoint(e.to_owned()))?;
    let text = |name: &str| answer.json.get(name).and_then(|v| v.as_str());
    if answer.status != 200 {
        return Err(LoginError::Denied(oauth_error_word(text("error"))));
    }
    let (Some(device_code), Some(user_code), Some(verification_uri)) = (
        text("device_code"),
        text("user_code"),
        text("verification_uri"),
    ) else {
        return Err(LoginError::TokenEndpoint(
            "the device authorization answer is incomplete".into(),
        ));
    };
    let complete = text("verification_uri_complete");
    if !is_acceptable_url(verification_uri) || complete.is_some_and(|u| !is_acceptable_url(u)) {
        return Err(LoginError::Discovery(
            "the verification URI is not https:// (or loopback http://)",
        ));
    }
    let expires_in = answer
        .json
        .get("expires_in")
        .and_then(serde_json::Value::as_u64)
        .map_or(config.timeout, Duration::from_secs);
    let mut interval = answer
        .json
        .get("interval")
        .and_then(serde_json::Value::as_u64)
        .map_or(DEFAULT_INTERVAL, |s| Duration::from_secs(s.clamp(1, 60)));
    show(&DeviceCodePrompt {
        user_code: user_code.to_owned(),
        verification_uri: verification_uri.to_owned(),
        verification_uri_complete: complete.map(str::to_owned),
        expires_in,
    });

    let deadline = Instant::now() + expires_in.min(config.timeout);
    let poll = [("grant_type", DEVICE_GRANT), ("device_code", device_code)];
    loop {
        if Instant::now() + interval > deadline {
            return Err(LoginError::TimedOut);
        }
        tokio::time::sleep(interval).await;
        let answer = post_form(&provider.http, token_endpoint, &client, &poll)
            .await
            .map_err(|e| LoginError::TokenEndpoint(e.to_owned()))?;
        if answer.status == 200 {
            return finish(config, &provider, store, &answer.json, None, &scope).await;
        }
        match answer.json.get("error").and_then(|e| e.as_str()) {
            Some("authorization_pending") => {}
            Some("slow_down") => interval += DEFAULT_INTERVAL,
            Some("expired_token") => return Err(LoginError::TimedOut),
            Some("access_denied") => return Err(LoginError::Denied("access_denied".into())),
            other => return Err(LoginError::TokenEndpoint(oauth_error_word(other))),
        }
    }
}
