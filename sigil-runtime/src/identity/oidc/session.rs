//! A local (stdio) session bound to one verified credential: every call is that caller, until the
//! credential expires; from then on every call is refused (fail closed), never downgraded.

use std::time::SystemTime;

use rmcp::RoleServer;
use rmcp::service::RequestContext;

use crate::identity::{AuthMethod, Caller, IdentityRefused, IdentitySource};

use super::verified_token::VerifiedToken;

/// The identity of a stdio session established from a verified access token (from the
/// environment) or a verified OIDC login. An [`IdentitySource`]: give it to
/// [`crate::server::SigilServerBuilder::identity`].
///
/// Holds no credential: only the caller it was verified to be and when that stops being true.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionIdentity {
    caller: Caller,
    expires_at: SystemTime,
}

impl SessionIdentity {
    /// A session that is `caller` until `expires_at`.
    pub fn new(caller: Caller, expires_at: SystemTime) -> Self {
        Self { caller, expires_at }
    }

    /// The session of a verified access token: its principal, trust and scopes, until its `exp`.
    pub fn from_token(token: &VerifiedToken, method: AuthMethod) -> Self {
        let caller = Caller::new(
            token.principal.clone(),
            token.trust,
            token.scopes.clone(),
            method,
        );
        Self::new(caller, token.expires_at)
    }

    /// Who the session is.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// When the credential expires; calls at or after it are refused.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// The caller at `now`, or the refusal once the credential has expired.
    pub fn caller_at(&self, now: SystemTime) -> Result<Caller, IdentityRefused> {
        if now >= self.expires_at {
            return Err(IdentityRefused {
                reason: format!(
                    "the session's {} credential has expired; restart the server with a fresh one",
                    self.caller.method().as_str()
                ),
            });
        }
        Ok(self.caller.clone())
    }
}

impl IdentitySource for SessionIdentity {
    fn identify(&self, _ctx: &RequestContext<RoleServer>) -> Result<Caller, IdentityRefused> {
        self.caller_at(SystemTime::now())
    }

    fn unverified_caller(&self) -> Option<Caller> {
        Some(self.caller.clone())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::basics::{Principal, TrustLevel};

    #[test]
    fn the_session_ends_exactly_at_expiry() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let caller = Caller::new(
            Principal::Oidc {
                issuer: "https://i".into(),
                subject: "alice".into(),
            },
            TrustLevel::High,
            vec!["bank:read".into()],
            AuthMethod::OidcBearer,
        );
        let session = SessionIdentity::new(caller.clone(), at);
        assert_eq!(session.caller_at(at - Duration::from_secs(1)), Ok(caller));
        let refused = session.caller_at(at).unwrap_err();
        assert!(refused.reason.contains("expired"), "{}", refused.reason);
        assert!(session.caller_at(at + Duration::from_secs(9)).is_err());
    }
}
