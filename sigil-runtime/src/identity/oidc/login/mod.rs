//! OIDC login for local (stdio) servers: the human logs in once with `sigil login`, a stdio
//! server started later binds its session to that verified login.
//!
//! - [`login_in_browser`]: the authorization-code flow of a native app (RFC 8252) with PKCE S256
//!   (RFC 7636) on a loopback redirect `http://127.0.0.1:<ephemeral port>/callback`, a fresh
//!   `state` and `nonce`; the code is exchanged as a public client; the ID token is verified
//!   (signature by the issuer's JWKS key, allow-listed `alg`, exact `iss`, `aud` = `client_id`,
//!   `azp`, our `nonce`, `exp`, `iat`); the tokens are stored in a 0600 file ([`LoginStore`]).
//!   The RFC 9207 `iss` of the redirect, when present, must be the issuer (mix-up defence).
//! - [`login_with_device_code`]: the device authorization grant (RFC 8628) for a terminal
//!   without a browser on the same machine: the user opens a URL anywhere and confirms a code,
//!   while the command polls the token endpoint; the same ID-token checks (there is no nonce in
//!   this grant) and the same store.
//! - [`session_from_login`]: reads that file, verifies the ID token again against the issuer's
//!   current keys and its nonce, and gives the [`SessionIdentity`] of `oidc:<iss>#<sub>` with
//!   [`AuthMethod::OidcLogin`], trust from `acr`/`amr` (as for access tokens), until the ID
//!   token's `exp`. An expired ID token is renewed with the stored refresh token, if the login
//!   asked for `offline_access`: same issuer, client and subject, or no session.
//!
//! Tokens, codes and the PKCE verifier are never printed, logged or put into errors.
//!
//! The `openidconnect` crate is not used: the JOSE checks, key cache and discovery of the
//! resource server already do what it would, without a second JOSE and HTTP stack.
//!
//! ```no_run
//! # use sigil_runtime::identity::oidc::{LoginConfig, LoginStore, login_in_browser, session_from_login};
//! # async fn run() -> Result<(), sigil_runtime::identity::oidc::LoginError> {
//! let config = LoginConfig::new("https://login.example.eu", "sigil-cli");
//! let store = LoginStore::default_location()?;
//! let done = login_in_browser(&config, &store, |url| eprintln!("Open {url}")).await?;
//! eprintln!("logged in as {}", done.principal);
//! // Later, in the stdio server:
//! let session = session_from_login(&config, &store).await?;
//! # Ok(()) }
//! ```

mod device;
mod error;
mod id_token;
mod loopback;
mod pkce;
mod store;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::basics::now_secs;
use crate::identity::{AuthMethod, Caller, Principal, TrustLevel};

use super::config::{MAX_LEEWAY, SigningAlg, is_acceptable_url};
use super::discovery::http_client;
use super::error::TokenError;
use super::form_post::{FormClient, post_form};
use super::key_cache::KeyCache;
use super::provider_metadata::{ProviderEndpoints, discover_endpoints};
use super::session::SessionIdentity;
use super::trust;

pub use device::{DeviceCodePrompt, login_with_device_code};
pub use error::LoginError;
pub use store::LoginStore;

use error::oauth_error_word;
use id_token::{Expected, IdTokenClaims, NonceRule, verify_id_token};
use loopback::Loopback;
use pkce::{Pkce, random_token};
use store::StoredLogin;

/// Who logs in where, and how the result is judged.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginConfig {
    /// The issuer, compared exactly with discovery, `iss` of the ID token and of the redirect.
    pub issuer: String,
    /// The public (native) client registered at the provider.
    pub client_id: String,
    /// Scopes to ask for; `openid` is always asked for.
    pub scopes: Vec<String>,
    /// An RFC 8707 resource indicator for the access token, if any.
    pub resource: Option<String>,
    /// `acr_values` to ask for (e.g. the eIDAS LoA URI), if any.
    pub acr_values: Option<String>,
    /// A `login_hint`, if any.
    pub login_hint: Option<String>,
    /// Extra `acr` values and their trust, consulted before the built-in eIDAS URIs.
    pub acr_map: BTreeMap<String, TrustLevel>,
    /// Algorithms the ID token may be signed with. Default: every asymmetric one.
    pub allowed_algs: Vec<SigningAlg>,
    /// Clock skew allowed on `exp` and `iat` (at most 60 s). Default 30 s.
    pub leeway: Duration,
    /// How long to wait for the browser to come back. Default 5 min.
    pub timeout: Duration,
    /// Timeout of each request to the provider. Default 10 s.
    pub http_timeout: Duration,
}

impl LoginConfig {
    /// A login at `issuer` as the public client `client_id`, asking for `openid` only.
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            client_id: client_id.into(),
            scopes: vec!["openid".into()],
            resource: None,
            acr_values: None,
            login_hint: None,
            acr_map: BTreeMap::new(),
            allowed_algs: SigningAlg::ALL.to_vec(),
            leeway: Duration::from_secs(30),
            timeout: Duration::from_secs(300),
            http_timeout: Duration::from_secs(10),
        }
    }

    /// Adds scopes to ask for.
    pub fn with_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        for s in scopes {
            let s = s.into();
            if !self.scopes.contains(&s) {
                self.scopes.push(s);
            }
        }
        self
    }

    /// Sets [`LoginConfig::resource`].
    pub fn with_resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    /// Sets [`LoginConfig::acr_values`].
    pub fn with_acr_values(mut self, acr_values: impl Into<String>) -> Self {
        self.acr_values = Some(acr_values.into());
        self
    }

    /// Sets [`LoginConfig::login_hint`].
    pub fn with_login_hint(mut self, hint: impl Into<String>) -> Self {
        self.login_hint = Some(hint.into());
        self
    }

    /// Adds an `acr` value to [`LoginConfig::acr_map`].
    pub fn with_acr(mut self, acr: impl Into<String>, trust: TrustLevel) -> Self {
        self.acr_map.insert(acr.into(), trust);
        self
    }

    /// Sets [`LoginConfig::timeout`].
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn validate(&self) -> Result<(), LoginError> {
        if !is_acceptable_url(&self.issuer) {
            return Err(LoginError::Config(
                "issuer must be https:// (or http:// on a loopback host)",
            ));
        }
        if self.client_id.trim().is_empty() {
            return Err(LoginError::Config("empty client id"));
        }
        if self.leeway > MAX_LEEWAY {
            return Err(LoginError::Config("leeway above 60 s"));
        }
        if self.allowed_algs.is_empty() {
            return Err(LoginError::Config("empty algorithm allow-list"));
        }
        Ok(())
    }

    fn scope_string(&self) -> String {
        let mut scopes = vec!["openid"];
        scopes.extend(
            self.scopes
                .iter()
                .map(String::as_str)
                .filter(|s| *s != "openid"),
        );
        scopes.join(" ")
    }
}

/// A completed login: who, at what trust, until when, stored where. Holds no token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoggedIn {
    /// `oidc:<iss>#<sub>` of the ID token.
    pub principal: Principal,
    /// From the ID token's `acr`/`amr`.
    pub trust: TrustLevel,
    /// The scopes granted.
    pub scopes: Vec<String>,
    /// The ID token's `exp`: a session bound to this login ends then.
    pub expires_at: SystemTime,
    /// The 0600 file the tokens are in.
    pub path: PathBuf,
}

struct Provider {
    endpoints: ProviderEndpoints,
    keys: KeyCache,
    http: reqwest::Client,
}

async fn provider(config: &LoginConfig) -> Result<Provider, LoginError> {
    config.validate()?;
    let http = http_client(config.http_timeout).map_err(LoginError::Config)?;
    let endpoints = discover_endpoints(&http, &config.issuer)
        .await
        .map_err(LoginError::Discovery)?;
    let keys = KeyCache::load(
        http.clone(),
        endpoints.jwks_uri.clone(),
        Duration::from_secs(30),
    )
    .await
    .map_err(LoginError::Discovery)?;
    Ok(Provider {
        endpoints,
        keys,
        http,
    })
}

/// Runs the authorization-code flow with PKCE on a loopback redirect: calls `show_url` with the
/// URL the user must open in a browser, waits (up to [`LoginConfig::timeout`]) for the provider
/// to send the browser back, exchanges the code, verifies the ID token and stores the tokens.
pub async fn login_in_browser(
    config: &LoginConfig,
    store: &LoginStore,
    show_url: impl FnOnce(&str),
) -> Result<LoggedIn, LoginError> {
    let provider = provider(config).await?;
    let endpoints = &provider.endpoints;
    let (Some(authorize), Some(token_endpoint)) =
        (&endpoints.authorization_endpoint, &endpoints.token_endpoint)
    else {
        return Err(LoginError::Discovery(
            "the provider lists no authorization or token endpoint",
        ));
    };
    if !endpoints.pkce_s256 {
        return Err(LoginError::Discovery(
            "the provider does not support PKCE S256",
        ));
    }
    let loopback = Loopback::bind().await?;
    let pkce = Pkce::generate()?;
    let state = random_token()?;
    let nonce = random_token()?;
    let scope = config.scope_string();
    let mut url = reqwest::Url::parse(authorize)
        .map_err(|_| LoginError::Discovery("the authorization endpoint is not a URL"))?;
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &config.client_id)
            .append_pair("redirect_uri", loopback.redirect_uri())
            .append_pair("scope", &scope)
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", "S256");
        // A refresh token for later sessions needs consent (OpenID Connect Core §11).
        if scope.split(' ').any(|s| s == "offline_access") {
            query.append_pair("prompt", "consent");
        }
        if let Some(resource) = &config.resource {
            query.append_pair("resource", resource);
        }
        if let Some(acr) = &config.acr_values {
            query.append_pair("acr_values", acr);
        }
        if let Some(hint) = &config.login_hint {
            query.append_pair("login_hint", hint);
        }
    }
    show_url(url.as_str());

    let params = loopback.wait_for_callback(&state, config.timeout).await?;
    if params.get("iss").is_some_and(|iss| *iss != config.issuer) {
        return Err(LoginError::Denied(
            "the redirect names another issuer".into(),
        ));
    }
    if params.contains_key("error") {
        return Err(LoginError::Denied(oauth_error_word(
            params.get("error").map(String::as_str),
        )));
    }
    let code = params
        .get("code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| LoginError::Denied("the redirect carries no code".into()))?;

    let mut fields = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", loopback.redirect_uri()),
        ("code_verifier", pkce.verifier.as_str()),
    ];
    if let Some(resource) = &config.resource {
        fields.push(("resource", resource));
    }
    let client = FormClient::Public {
        id: &config.client_id,
    };
    let answer = post_form(&provider.http, token_endpoint, &client, &fields)
        .await
        .map_err(|e| LoginError::TokenEndpoint(e.to_owned()))?;
    if answer.status != 200 {
        return Err(LoginError::TokenEndpoint(oauth_error_word(
            answer.json.get("error").and_then(|e| e.as_str()),
        )));
    }
    finish(config, &provider, store, &answer.json, Some(&nonce), &scope).await
}

/// Verifies the ID token of a successful token answer, stores the login, and says who it is.
async fn finish(
    config: &LoginConfig,
    provider: &Provider,
    store: &LoginStore,
    answer: &serde_json::Map<String, serde_json::Value>,
    nonce: Option<&str>,
    asked_scope: &str,
) -> Result<LoggedIn, LoginError> {
    let text = |name: &str| answer.get(name).and_then(|v| v.as_str());
    if text("token_type").is_some_and(|t| !t.eq_ignore_ascii_case("bearer")) {
        return Err(LoginError::TokenEndpoint(
            "the token type is not Bearer".into(),
        ));
    }
    let id_token = text("id_token")
        .ok_or_else(|| LoginError::TokenEndpoint("the answer has no ID token".into()))?;
    let expected = expected(
        config,
        nonce.map_or(NonceRule::Absent, NonceRule::Equal),
        now_secs(),
    );
    let claims = verify_id_token(&provider.keys, id_token, &expected)
        .await
        .map_err(LoginError::IdToken)?;
    let login = StoredLogin {
        issuer: config.issuer.clone(),
        client_id: config.client_id.clone(),
        id_token: id_token.to_owned(),
        nonce: nonce.map(str::to_owned),
        subject: Some(claims.subject.clone()),
        access_token: text("access_token").map(str::to_owned),
        refresh_token: text("refresh_token").map(str::to_owned),
        scope: text("scope").unwrap_or(asked_scope).to_owned(),
    };
    let path = store.save(&login)?;
    let caller = caller(config, &claims, &login.scope);
    Ok(LoggedIn {
        principal: caller.principal().clone(),
        trust: caller.trust(),
        scopes: caller.scopes().to_vec(),
        expires_at: UNIX_EPOCH + Duration::from_secs(claims.expires_at),
        path,
    })
}

/// What an ID token for this configuration must match, with this nonce rule, at `now`.
fn expected<'a>(config: &'a LoginConfig, nonce: NonceRule<'a>, now: u64) -> Expected<'a> {
    Expected {
        issuer: &config.issuer,
        client_id: &config.client_id,
        nonce,
        allowed_algs: &config.allowed_algs,
        now,
        leeway: config.leeway.as_secs(),
    }
}

/// The session of the stored login of [`LoginConfig::client_id`] at [`LoginConfig::issuer`]:
/// its ID token is verified again (current keys, stored nonce, `exp`). Fails with
/// [`LoginError::NotLoggedIn`] or [`LoginError::Expired`] when `sigil login` must be run.
pub async fn session_from_login(
    config: &LoginConfig,
    store: &LoginStore,
) -> Result<SessionIdentity, LoginError> {
    config.validate()?;
    let login = store.load(&config.issuer, &config.client_id)?;
    let provider = provider(config).await?;
    let now = now_secs();
    let expected = expected(
        config,
        login
            .nonce
            .as_deref()
            .map_or(NonceRule::Absent, NonceRule::Equal),
        now,
    );
    let claims = match verify_id_token(&provider.keys, &login.id_token, &expected).await {
        // Authentic (signature, iss, aud, nonce checked before times) but expired: refresh it
        // if the login holds a refresh token.
        Err(TokenError::Expired) => return refresh(config, &provider, store, login).await,
        Err(e) => return Err(LoginError::IdToken(e)),
        Ok(c) if c.expires_at <= now => return refresh(config, &provider, store, login).await,
        Ok(c) => c,
    };
    Ok(SessionIdentity::new(
        caller(config, &claims, &login.scope),
        UNIX_EPOCH + Duration::from_secs(claims.expires_at),
    ))
}

/// Renews an expired login with its refresh token: the new ID token must come from the same
/// issuer for the same client and name the same subject, its nonce absent or the original one.
/// The stored login is updated (a rotated refresh token replaces the old one). Without a refresh
/// token, or when the provider refuses it, the login has expired.
async fn refresh(
    config: &LoginConfig,
    provider: &Provider,
    store: &LoginStore,
    mut login: StoredLogin,
) -> Result<SessionIdentity, LoginError> {
    let (Some(refresh_token), Some(subject), Some(token_endpoint)) = (
        login.refresh_token.clone(),
        login.subject.clone(),
        provider.endpoints.token_endpoint.as_deref(),
    ) else {
        return Err(LoginError::Expired);
    };
    let refresh_token = zeroize::Zeroizing::new(refresh_token);
    let client = FormClient::Public {
        id: &config.client_id,
    };
    let fields = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.as_str()),
    ];
    let answer = post_form(&provider.http, token_endpoint, &client, &fields)
        .await
        .map_err(|e| LoginError::TokenEndpoint(e.to_owned()))?;
    let text = |name: &str| answer.json.get(name).and_then(|v| v.as_str());
    match (answer.status, text("error")) {
        (200, _) => {}
        (_, Some("invalid_grant")) => return Err(LoginError::Expired),
        (_, error) => return Err(LoginError::TokenEndpoint(oauth_error_word(error))),
    }
    let id_token = text("id_token")
        .ok_or_else(|| LoginError::TokenEndpoint("the refresh answer has no ID token".into()))?;
    let now = now_secs();
    let expected = expected(
        config,
        login
            .nonce
            .as_deref()
            .map_or(NonceRule::Absent, NonceRule::AbsentOrEqual),
        now,
    );
    let claims = verify_id_token(&provider.keys, id_token, &expected)
        .await
        .map_err(LoginError::IdToken)?;
    if claims.subject != subject {
        return Err(LoginError::IdToken(TokenError::InvalidClaim("sub")));
    }
    if claims.expires_at <= now {
        return Err(LoginError::Expired);
    }
    login.id_token = id_token.to_owned();
    login.access_token = text("access_token").map(str::to_owned);
    if let Some(rotated) = text("refresh_token") {
        login.refresh_token = Some(rotated.to_owned());
    }
    if let Some(scope) = text("scope") {
        login.scope = scope.to_owned();
    }
    store.save(&login)?;
    Ok(SessionIdentity::new(
        caller(config, &claims, &login.scope),
        UNIX_EPOCH + Duration::from_secs(claims.expires_at),
    ))
}

fn caller(config: &LoginConfig, claims: &IdTokenClaims, scope: &str) -> Caller {
    let trust = trust::decide(
        claims.acr.as_deref(),
        claims.amr.as_deref(),
        &config.acr_map,
        None,
    );
    let mut scopes: Vec<String> = Vec::new();
    for s in scope.split_ascii_whitespace() {
        if !scopes.iter().any(|o| o == s) {
            scopes.push(s.to_owned());
        }
    }
    Caller::new(
        Principal::Oidc {
            issuer: config.issuer.clone(),
            subject: claims.subject.clone(),
        },
        trust,
        scopes,
        AuthMethod::OidcLogin,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openid_is_always_asked_for_once_and_first() {
        let c = LoginConfig::new("https://i", "cli").with_scopes(["bank:read", "openid"]);
        assert_eq!(c.scope_string(), "openid bank:read");
    }

    #[test]
    fn bad_configuration_is_refused_before_any_traffic() {
        assert!(
            LoginConfig::new("http://login.example.eu", "cli")
                .validate()
                .is_err()
        );
        assert!(LoginConfig::new("https://i", " ").validate().is_err());
        assert!(LoginConfig::new("https://i", "cli").validate().is_ok());
    }
}
