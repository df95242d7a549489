//! Step-up to a PID: an OpenID4VP verifier (`direct_post`) whose verified presentations raise the
//! MCP session that asked for them to the PID caller.
//!
//! The flow, for a session whose caller is below the trust a tool needs:
//!
//! 1. [`PidStepUp::start`] makes a presentation request (random `state` and single-use `nonce`)
//!    bound to that session and its current principal, and gives the URL the human opens;
//! 2. the wallet fetches the request object ([`PidStepUp::request_object`]) and posts
//!    `vp_token` and `state` to the `response_uri` ([`PidStepUp::complete`]), which verifies it
//!    with the request's nonce, consumes the request, and records the upgrade;
//! 3. later calls of the same session by the same principal are the PID caller
//!    ([`PidStepUp::upgraded`]) until the upgrade expires (the credential's `exp`, at most the
//!    configured lifetime).
//!
//! Anyone who holds the session id holds its upgrade, as they hold the session: a step-up is
//! never bound to nothing (an anonymous caller without a session cannot start one).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use rmcp::RoleServer;
use rmcp::service::Peer;
use serde_json::{Value, json};

use crate::identity::{AuthMethod, Caller};

use super::error::PidError;
use super::person::VerifiedPid;
use super::requests::{PresentationRequests, RequestBinding};
use super::verifier::PidVerifier;

/// The DCQL credential query id of the PID in our requests; `vp_token` is keyed by it.
pub const PID_QUERY_ID: &str = "pid";

/// Path of the human-facing start page (`/pid/start/<state>`), under the public base URL.
pub const START_PATH: &str = "/pid/start";
/// Path of the request object (`/pid/request/<state>`).
pub const REQUEST_PATH: &str = "/pid/request";
/// Path of the `direct_post` response endpoint.
pub const RESPONSE_PATH: &str = "/pid/response";

/// A started presentation: what the human and the wallet need.
#[derive(Clone)]
pub struct StartedPresentation {
    /// Names the request; also the URL-mode elicitation id.
    pub state: String,
    /// The page the human opens (`<base>/pid/start/<state>`).
    pub url: String,
    /// Where the wallet fetches the request object (`<base>/pid/request/<state>`).
    pub request_uri: String,
}

impl std::fmt::Debug for StartedPresentation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartedPresentation")
            .finish_non_exhaustive()
    }
}

/// Why a `direct_post` was refused. Never holds the presentation or claim values.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PresentationRefused {
    /// No pending request has this `state` (unknown, answered already, or expired).
    UnknownState,
    /// The wallet answered with an OAuth error (e.g. `access_denied`) instead of a `vp_token`.
    WalletError,
    /// `vp_token` is missing or not shaped as our query asked.
    BadVpToken(&'static str),
    /// The presentation failed verification.
    Invalid(PidError),
}

impl PresentationRefused {
    /// The OAuth error code for a JSON body (`invalid_request`, ...).
    pub fn oauth_error(&self) -> &'static str {
        match self {
            Self::UnknownState | Self::BadVpToken(_) => "invalid_request",
            Self::WalletError => "access_denied",
            Self::Invalid(_) => "invalid_presentation",
        }
    }
}

impl std::fmt::Display for PresentationRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownState => f.write_str("unknown, used or expired state"),
            Self::WalletError => f.write_str("the wallet declined the presentation"),
            Self::BadVpToken(what) => write!(f, "bad vp_token: {what}"),
            Self::Invalid(e) => write!(f, "{e} ({})", e.code()),
        }
    }
}

impl std::error::Error for PresentationRefused {}

struct Upgrade {
    caller: Caller,
    until: Instant,
}

/// The PID step-up of one server: its verifier, pending requests and upgraded sessions.
pub struct PidStepUp {
    verifier: Arc<PidVerifier>,
    base_url: String,
    requests: PresentationRequests,
    upgrade_lifetime: Duration,
    upgrades: Mutex<HashMap<RequestBinding, Upgrade>>,
    /// The MCP peers to tell when a request's interaction completes, by `state`.
    watchers: Mutex<HashMap<String, Peer<RoleServer>>>,
}

impl std::fmt::Debug for PidStepUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PidStepUp")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl PidStepUp {
    /// A step-up verifying with `verifier`, reachable by wallets and humans at `base_url`
    /// (scheme, host and port of this server, no trailing slash, e.g. `https://mcp.example.eu`).
    /// Requests live 5 minutes, upgrades at most an hour.
    pub fn new(verifier: PidVerifier, base_url: impl Into<String>) -> Self {
        Self {
            verifier: Arc::new(verifier),
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            requests: PresentationRequests::new(Duration::from_secs(300)),
            upgrade_lifetime: Duration::from_secs(3600),
            upgrades: Mutex::new(HashMap::new()),
            watchers: Mutex::new(HashMap::new()),
        }
    }

    /// Requests live `ttl` instead of 5 minutes.
    #[must_use]
    pub fn with_request_lifetime(mut self, ttl: Duration) -> Self {
        self.requests = PresentationRequests::new(ttl);
        self
    }

    /// An upgrade lasts at most `lifetime` (and never beyond the credential's `exp`).
    #[must_use]
    pub fn with_upgrade_lifetime(mut self, lifetime: Duration) -> Self {
        self.upgrade_lifetime = lifetime;
        self
    }

    /// The verifier.
    pub fn verifier(&self) -> &PidVerifier {
        &self.verifier
    }

    /// The `response_uri` wallets post to.
    pub fn response_uri(&self) -> String {
        format!("{}{RESPONSE_PATH}", self.base_url)
    }

    /// Starts a presentation for `binding`. An anonymous principal without a session cannot
    /// start one: there would be nothing to upgrade.
    pub fn start(&self, binding: RequestBinding) -> Result<StartedPresentation, PidError> {
        if binding.session.is_none() && binding.principal == "anonymous" {
            return Err(PidError::Config("a step-up needs a session or a principal"));
        }
        let pending = self.requests.start(binding)?;
        Ok(StartedPresentation {
            url: format!("{}{START_PATH}/{}", self.base_url, pending.state),
            request_uri: format!("{}{REQUEST_PATH}/{}", self.base_url, pending.state),
            state: pending.state,
        })
    }

    /// Remembers `peer` as the session to notify (`notifications/elicitation/complete`) when the
    /// request named `state` is answered.
    pub(crate) fn watch(&self, state: &str, peer: Peer<RoleServer>) {
        let mut watchers = self
            .watchers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        watchers.retain(|s, _| self.requests.get(s).is_some());
        watchers.insert(state.to_owned(), peer);
    }

    /// The session watching `state`, removed.
    pub(crate) fn take_watcher(&self, state: &str) -> Option<Peer<RoleServer>> {
        self.watchers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(state)
    }

    /// The OpenID4VP request object of a pending request (unsigned, `client_id` prefix
    /// `redirect_uri:`, `response_mode` `direct_post`, a DCQL query for one PID), or `None`.
    pub fn request_object(&self, state: &str) -> Option<Value> {
        let pending = self.requests.get(state)?;
        let claims: Vec<Value> = [
            "family_name",
            "given_name",
            "birthdate",
            "nationalities",
            "issuing_country",
            self.verifier.id_claim(),
        ]
        .iter()
        .map(|c| json!({ "path": [c] }))
        .collect();
        Some(json!({
            "response_type": "vp_token",
            "response_mode": "direct_post",
            "client_id": self.verifier.audience(),
            "response_uri": self.response_uri(),
            "nonce": pending.nonce,
            "state": pending.state,
            "dcql_query": {
                "credentials": [{
                    "id": PID_QUERY_ID,
                    "format": "dc+sd-jwt",
                    "meta": { "vct_values": self.verifier.accepted_vcts() },
                    "claims": claims,
                }]
            },
            "client_metadata": {
                "vp_formats_supported": {
                    "dc+sd-jwt": {
                        "sd-jwt_alg_values": ["ES256", "ES384", "EdDSA"],
                        "kb-jwt_alg_values": ["ES256", "ES384", "EdDSA"],
                    }
                }
            },
        }))
    }

    /// The `openid4vp://` link a same-device wallet opens for a pending request.
    pub fn wallet_link(&self, state: &str) -> Option<String> {
        self.requests.get(state)?;
        let request_uri = format!("{}{REQUEST_PATH}/{state}", self.base_url);
        Some(format!(
            "openid4vp://?client_id={}&request_uri={}",
            percent_encode(self.verifier.audience()),
            percent_encode(&request_uri)
        ))
    }

    /// Answers a `direct_post`: consumes the request named `state` (whatever the outcome),
    /// verifies `vp_token` with its nonce, and on success upgrades the bound session.
    /// Returns the verified PID and the binding it upgraded.
    pub fn complete(
        &self,
        state: &str,
        vp_token: Option<&str>,
        wallet_error: bool,
    ) -> Result<(VerifiedPid, RequestBinding), (PresentationRefused, Option<RequestBinding>)> {
        let Some(pending) = self.requests.take(state) else {
            return Err((PresentationRefused::UnknownState, None));
        };
        let binding = pending.binding;
        let fail = |r| Err((r, Some(binding.clone())));
        if wallet_error {
            return fail(PresentationRefused::WalletError);
        }
        let presentation = match vp_token.map(presentation_in) {
            None => return fail(PresentationRefused::BadVpToken("missing")),
            Some(Err(what)) => return fail(PresentationRefused::BadVpToken(what)),
            Some(Ok(p)) => p,
        };
        let pid = match self.verifier.verify(&presentation, &pending.nonce) {
            Ok(pid) => pid,
            Err(e) => return fail(PresentationRefused::Invalid(e)),
        };
        let credential_left = pid
            .expires_at
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        let until = Instant::now() + credential_left.min(self.upgrade_lifetime);
        let mut upgrades = self.lock();
        let now = Instant::now();
        upgrades.retain(|_, u| u.until > now);
        upgrades.insert(
            binding.clone(),
            Upgrade {
                caller: pid.caller(),
                until,
            },
        );
        Ok((pid, binding))
    }

    /// The PID caller `caller` was upgraded to in `session`, if any and not expired. The
    /// upgraded caller keeps the scopes of `caller`.
    pub fn upgraded(&self, session: Option<&str>, caller: &Caller) -> Option<Caller> {
        let key = RequestBinding {
            session: session.map(str::to_owned),
            principal: caller.principal().to_string(),
        };
        let upgrades = self.lock();
        let upgrade = upgrades.get(&key).filter(|u| u.until > Instant::now())?;
        let pid = &upgrade.caller;
        Some(Caller::new(
            pid.principal().clone(),
            pid.trust(),
            caller.scopes().to_vec(),
            AuthMethod::EidasPid,
        ))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RequestBinding, Upgrade>> {
        self.upgrades
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The presentation in a `vp_token`: OpenID4VP 1.0 sends a JSON object keyed by the DCQL
/// credential query id, each an array of presentations; earlier drafts (presentation
/// definition) send the presentation itself, or a JSON array of them.
fn presentation_in(vp_token: &str) -> Result<String, &'static str> {
    let trimmed = vp_token.trim();
    if !trimmed.starts_with(['{', '[', '"']) {
        return Ok(trimmed.to_owned());
    }
    let value: Value = serde_json::from_str(trimmed).map_err(|_| "not JSON")?;
    let entry = match &value {
        Value::Object(map) => map.get(PID_QUERY_ID).ok_or("no entry for the pid query")?,
        other => other,
    };
    let presentation = match entry {
        Value::String(p) => p,
        Value::Array(items) => match items.as_slice() {
            [Value::String(p)] => p,
            _ => return Err("expected exactly one presentation"),
        },
        _ => return Err("expected a presentation string"),
    };
    Ok(presentation.clone())
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vp_token_shapes() {
        assert_eq!(presentation_in("a.b.c~d~e").unwrap(), "a.b.c~d~e");
        assert_eq!(presentation_in(r#"{"pid":["a~b"]}"#).unwrap(), "a~b");
        assert_eq!(presentation_in(r#"{"pid":"a~b"}"#).unwrap(), "a~b");
        assert_eq!(presentation_in(r#"["a~b"]"#).unwrap(), "a~b");
        assert!(presentation_in(r#"{"mdl":["a~b"]}"#).is_err());
        assert!(presentation_in(r#"{"pid":["a","b"]}"#).is_err());
        assert!(presentation_in(r#"{"pid":7}"#).is_err());
        assert!(presentation_in("{broken").is_err());
    }

    #[test]
    fn links_are_percent_encoded() {
        assert_eq!(
            percent_encode("redirect_uri:http://h/p?q"),
            "redirect_uri%3Ahttp%3A%2F%2Fh%2Fp%3Fq"
        );
    }
}
