//! The identity seam: where the pipeline learns who is calling.

use rmcp::RoleServer;
use rmcp::service::RequestContext;

use crate::identity::Caller;

/// Why no identity could be established. Never contains a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRefused {
    /// A reason fit for the caller and the audit trail.
    pub reason: String,
}

/// Establishes the caller of a request.
///
/// Front doors that verify credentials outside rmcp (an HTTP middleware checking a bearer
/// token) put a [`Caller`] into the request's extensions; [`ExtensionsOrDefault`] picks it up.
pub trait IdentitySource: Send + Sync + 'static {
    /// Who is calling, or why nobody could be established.
    fn identify(&self, ctx: &RequestContext<RoleServer>) -> Result<Caller, IdentityRefused>;

    /// The caller of a request that no front door verified (a stdio session's caller), if
    /// this source has one: shown in the server's start-up banner.
    fn unverified_caller(&self) -> Option<Caller> {
        None
    }
}

/// Uses a `Caller` put into the request (or its HTTP parts) by a front door; otherwise the
/// configured default caller (the local user on stdio, anonymous on HTTP).
#[derive(Debug, Clone)]
pub struct ExtensionsOrDefault {
    default: Caller,
}

impl ExtensionsOrDefault {
    /// Falls back to `default` when the request carries no verified caller.
    pub fn new(default: Caller) -> Self {
        Self { default }
    }
}

impl IdentitySource for ExtensionsOrDefault {
    fn unverified_caller(&self) -> Option<Caller> {
        Some(self.default.clone())
    }

    fn identify(&self, ctx: &RequestContext<RoleServer>) -> Result<Caller, IdentityRefused> {
        if let Some(caller) = ctx.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        if let Some(parts) = ctx.extensions.get::<axum::http::request::Parts>()
            && let Some(caller) = parts.extensions.get::<Caller>()
        {
            return Ok(caller.clone());
        }
        Ok(self.default.clone())
    }
}
