//! `Caller`: the verified identity of whoever made the current call.

use crate::basics::{Principal, TrustLevel};

/// How a caller's identity was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthMethod {
    /// Chosen by the operator of a local (stdio) server.
    Local,
    /// A verified OAuth bearer access token.
    OidcBearer,
    /// An interactive OIDC login bound to a verified ID token.
    OidcLogin,
    /// An EUDI Wallet PID presentation.
    EidasPid,
    /// A qualified certificate over mutual TLS.
    EidasQc,
    /// Nothing: no identity was presented.
    None,
}

impl AuthMethod {
    /// Lowercase name used in the envelope and audit.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::OidcBearer => "oidc_bearer",
            Self::OidcLogin => "oidc_login",
            Self::EidasPid => "eidas_pid",
            Self::EidasQc => "eidas_qc",
            Self::None => "none",
        }
    }
}

/// The verified identity of the caller: an extractor a tool may take as an argument.
///
/// Everything in it was established by the server, never asserted by the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    principal: Principal,
    trust: TrustLevel,
    scopes: Vec<String>,
    method: AuthMethod,
}

impl Caller {
    /// A caller established by `method`.
    pub fn new(
        principal: Principal,
        trust: TrustLevel,
        scopes: Vec<String>,
        method: AuthMethod,
    ) -> Self {
        Self {
            principal,
            trust,
            scopes,
            method,
        }
    }

    /// Nobody: the anonymous, unauthenticated caller.
    pub fn anonymous() -> Self {
        Self::new(
            Principal::Anonymous,
            TrustLevel::Unauthenticated,
            Vec::new(),
            AuthMethod::None,
        )
    }

    /// A local user at the trust the operator chose.
    pub fn local(user: impl Into<String>, trust: TrustLevel) -> Self {
        Self::new(
            Principal::Local { user: user.into() },
            trust,
            Vec::new(),
            AuthMethod::Local,
        )
    }

    /// Who.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// How far we trust that.
    pub fn trust(&self) -> TrustLevel {
        self.trust
    }

    /// Granted OAuth scopes.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Whether the caller holds `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// How the identity was established.
    pub fn method(&self) -> AuthMethod {
        self.method
    }
}
