//! A token that passed every check, and how checked claims become one (shared by the JWT path
//! and RFC 7662 introspection).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::basics::{Principal, TrustLevel};

use super::claims::CheckedClaims;
use super::config::IssuerConfig;
use super::error::TokenError;
use super::trust;

/// Whether a token speaks for a person or for a client acting on its own behalf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SubjectKind {
    /// An end user authenticated at the provider.
    User,
    /// No end user: a client-credentials token. Detected by `gty` = `client-credentials` or
    /// `client_credentials`, by `sub` equal to `client_id`, or by a missing `sub` with a
    /// `client_id` present (the subject is then the client id).
    Service,
}

/// A token that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedToken {
    /// `oidc:<iss>#<sub>`.
    pub principal: Principal,
    /// From `acr`/`amr`, or the issuer's service trust (see the module docs of `trust`).
    pub trust: TrustLevel,
    /// Person or service.
    pub subject_kind: SubjectKind,
    /// Granted scopes (`scope`, or `scp`), in token order, without duplicates.
    pub scopes: Vec<String>,
    /// The OAuth client the token was issued to, when the token says (`client_id`).
    pub client_id: Option<String>,
    /// The `acr` claim as sent, for audit.
    pub acr: Option<String>,
    /// `exp`: callers must not cache anything about this token beyond it.
    pub expires_at: SystemTime,
}

impl VerifiedToken {
    /// `true` when every scope in `needed` was granted.
    pub fn has_scopes<S: AsRef<str>>(&self, needed: &[S]) -> bool {
        needed
            .iter()
            .all(|n| self.scopes.iter().any(|s| s == n.as_ref()))
    }
}

/// The verified token for `c`, checked against `config`'s issuer.
pub(super) fn build(config: &IssuerConfig, c: CheckedClaims) -> Result<VerifiedToken, TokenError> {
    let by_grant = c
        .grant_type
        .as_deref()
        .is_some_and(|g| g == "client-credentials" || g == "client_credentials");
    let (subject, subject_kind) = match (c.subject, c.client_id.as_deref()) {
        (Some(sub), Some(client)) if by_grant || sub == client => (sub, SubjectKind::Service),
        (Some(sub), _) if by_grant => (sub, SubjectKind::Service),
        (Some(sub), _) => (sub, SubjectKind::User),
        (None, Some(client)) => (client.to_owned(), SubjectKind::Service),
        (None, None) => return Err(TokenError::MissingClaim("sub")),
    };
    let service_trust = (subject_kind == SubjectKind::Service).then_some(config.service_trust);
    let trust = trust::decide(
        c.acr.as_deref(),
        c.amr.as_deref(),
        &config.acr_map,
        service_trust,
    );
    Ok(VerifiedToken {
        principal: Principal::Oidc {
            issuer: config.issuer.clone(),
            subject,
        },
        trust,
        subject_kind,
        scopes: c.scopes,
        client_id: c.client_id,
        acr: c.acr,
        expires_at: UNIX_EPOCH + Duration::from_secs(c.expires_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(sub: Option<&str>, client: Option<&str>, gty: Option<&str>) -> CheckedClaims {
        CheckedClaims {
            subject: sub.map(str::to_owned),
            client_id: client.map(str::to_owned),
            expires_at: 1,
            scopes: vec![],
            acr: None,
            amr: None,
            grant_type: gty.map(str::to_owned),
        }
    }

    #[test]
    fn client_credentials_tokens_are_services_with_the_configured_trust() {
        let config =
            IssuerConfig::new("https://i", "https://r").with_service_trust(TrustLevel::Medium);
        let t = build(&config, checked(Some("app"), Some("app"), None)).unwrap();
        assert_eq!(t.subject_kind, SubjectKind::Service);
        assert_eq!(t.trust, TrustLevel::Medium);
        assert_eq!(t.principal.to_string(), "oidc:https://i#app");
        let t = build(
            &config,
            checked(Some("x"), Some("app"), Some("client-credentials")),
        )
        .unwrap();
        assert_eq!(t.subject_kind, SubjectKind::Service);
        let t = build(&config, checked(None, Some("app"), None)).unwrap();
        assert_eq!(t.principal.to_string(), "oidc:https://i#app");
        let t = build(&config, checked(Some("alice"), Some("app"), None)).unwrap();
        assert_eq!(t.subject_kind, SubjectKind::User);
        assert_eq!(t.trust, TrustLevel::Low);
        assert_eq!(
            build(&config, checked(None, None, None)),
            Err(TokenError::MissingClaim("sub"))
        );
    }
}
