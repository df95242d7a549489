//! `SigilServer::builder`: tools from macros or known only at run time, one pipeline.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::audit::{AuditSink, MemoryAudit};
use crate::config::{ConfigError, SigilConfig};
use crate::confirm::ConfirmGate;
use crate::identity::pid::{PidStepUp, StepUpIdentity};
use crate::identity::resource_server::ResourceServer;
use crate::identity::{Caller, ExtensionsOrDefault, IdentitySource};
use crate::pipeline::{ContentGuard, NoGuard, Pipeline, ScanVaultGuard, register};
use crate::policy::RateLimiter;
use crate::scan::Scanner;
use crate::server::SigilServer;
use crate::tool::{
    BoundTool, ErasedHandler, GatedCall, ServerIdentity, SigilService, ToolError, ToolOutput,
    ToolSpec,
};
use crate::vault::Vault;

/// A tool known only at run time: its spec and JSON schemas.
#[derive(Debug, Clone)]
pub struct ToolDef {
    spec: ToolSpec,
    input_schema: Option<Map<String, Value>>,
    output_schema: Option<Map<String, Value>>,
}

impl ToolDef {
    /// A tool with this spec and no arguments.
    pub fn new(spec: ToolSpec) -> Self {
        Self {
            spec,
            input_schema: None,
            output_schema: None,
        }
    }

    /// The input schema (a JSON object schema); arguments are validated against it.
    #[must_use]
    pub fn input_schema(mut self, schema: Value) -> Self {
        self.input_schema = schema.as_object().cloned();
        self
    }

    /// The output schema.
    #[must_use]
    pub fn output_schema(mut self, schema: Value) -> Self {
        self.output_schema = schema.as_object().cloned();
        self
    }
}

/// Why a server could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// A tool is malformed (schema, name, annotations).
    Tool(String),
    /// Two tools share a name.
    DuplicateTool(String),
    /// The configuration is invalid.
    Config(ConfigError),
    /// The OS random number generator failed.
    Random,
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Tool(m) => f.write_str(m),
            Self::DuplicateTool(n) => write!(f, "two tools are named `{n}`"),
            Self::Config(e) => e.fmt(f),
            Self::Random => f.write_str("the OS random number generator failed"),
        }
    }
}

impl std::error::Error for BuildError {}

impl From<ConfigError> for BuildError {
    fn from(e: ConfigError) -> Self {
        Self::Config(e)
    }
}

type Pending = BoundTool;

/// Builds a [`SigilServer`].
pub struct SigilServerBuilder {
    identity: ServerIdentity,
    instructions: Option<String>,
    tools: Vec<Pending>,
    identity_source: Arc<dyn IdentitySource>,
    guard: Arc<dyn ContentGuard>,
    audit: Arc<dyn AuditSink>,
    config: SigilConfig,
    scanning: Option<(Scanner, Arc<Vault>)>,
    oidc: Option<Arc<ResourceServer>>,
    pid: Option<Arc<PidStepUp>>,
}

impl std::fmt::Debug for SigilServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigilServerBuilder")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl SigilServerBuilder {
    pub(crate) fn new(identity: ServerIdentity) -> Self {
        Self {
            identity,
            instructions: None,
            tools: Vec::new(),
            identity_source: Arc::new(ExtensionsOrDefault::new(Caller::anonymous())),
            guard: Arc::new(NoGuard),
            audit: Arc::new(MemoryAudit::new()),
            config: SigilConfig::default(),
            scanning: None,
            oidc: None,
            pid: None,
        }
    }

    /// Adds a run-time tool; `handler` gets the gated call.
    #[must_use]
    pub fn tool<F, Fut>(mut self, def: ToolDef, handler: F) -> Self
    where
        F: Fn(GatedCall) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ToolOutput, ToolError>> + Send + 'static,
    {
        let h: ErasedHandler = Arc::new(move |call| Box::pin(handler(call)));
        self.tools
            .push((def.spec, def.input_schema, def.output_schema, h));
        self
    }

    /// Adds every tool of a `#[sigil::server]` service.
    #[must_use]
    pub fn service<S: SigilService>(mut self, service: S) -> Self {
        let service = Arc::new(service);
        for entry in S::tools() {
            self.tools.push(entry.bind(service.clone()));
        }
        self
    }

    /// Instructions shown to clients at initialization.
    #[must_use]
    pub fn instructions(mut self, text: impl Into<String>) -> Self {
        self.instructions = Some(text.into());
        self
    }

    /// Where callers' identities come from. Default: a verified `Caller` put into the request by
    /// a front door, else anonymous.
    #[must_use]
    pub fn identity(mut self, source: impl IdentitySource) -> Self {
        self.identity_source = Arc::new(source);
        self
    }

    /// Every call's identity is this caller unless a front door verified another (stdio).
    #[must_use]
    pub fn default_caller(self, caller: Caller) -> Self {
        self.identity(ExtensionsOrDefault::new(caller))
    }

    /// Makes the HTTP transport an OAuth 2.1 resource server: `/mcp` needs a bearer token that
    /// `resource` accepts (401 with `WWW-Authenticate` otherwise), its metadata is served on
    /// `resource.metadata_paths()`, and each call's [`Caller`] is the token's principal, trust
    /// and scopes. stdio is unaffected; its caller stays the default caller.
    #[must_use]
    pub fn oidc(mut self, resource: ResourceServer) -> Self {
        self.oidc = Some(Arc::new(resource));
        self
    }

    /// Offers a step-up to an EU Digital Identity Wallet PID when a caller's trust is below what
    /// a tool needs: the call is answered with a URL-mode elicitation (`-32042`) whose page
    /// starts an OpenID4VP presentation; the HTTP transport serves the request objects and the
    /// `direct_post` endpoint (see `identity::pid::PidStepUp`); once a valid PID is posted, the
    /// session's calls are the PID caller at trust High.
    #[must_use]
    pub fn pid_step_up(mut self, step_up: PidStepUp) -> Self {
        self.pid = Some(Arc::new(step_up));
        self
    }

    /// The scanner/vault seam.
    #[must_use]
    pub fn guard(mut self, guard: impl ContentGuard) -> Self {
        self.guard = Arc::new(guard);
        self
    }

    /// Scan every argument and result with `scanner`; vault what results leak into `vault`,
    /// acting per the configuration's `[scan]` section (default: vault every category).
    /// Replaces any guard set with [`guard`](Self::guard).
    #[must_use]
    pub fn scanning(mut self, scanner: Scanner, vault: Arc<Vault>) -> Self {
        self.scanning = Some((scanner, vault));
        self
    }

    /// The audit seam. Default: in memory.
    #[must_use]
    pub fn audit(mut self, sink: Arc<dyn AuditSink>) -> Self {
        self.audit = sink;
        self
    }

    /// Configuration (may only tighten what the tools declare).
    #[must_use]
    pub fn config(mut self, config: SigilConfig) -> Self {
        self.config = config;
        self
    }

    /// Checks every tool and the configuration and builds the server.
    pub fn build(self) -> Result<SigilServer, BuildError> {
        let mut specs: Vec<ToolSpec> = self.tools.iter().map(|t| t.0.clone()).collect();
        let disabled = self.config.apply(&mut specs)?;
        let mut tools = Vec::new();
        let mut index = HashMap::new();
        for ((_, input, output, handler), spec) in self.tools.into_iter().zip(specs) {
            if disabled.contains(&spec.name) {
                continue;
            }
            let name = spec.name.clone();
            let registered = register(spec, input, output, handler).map_err(BuildError::Tool)?;
            if index.insert(name.clone(), tools.len()).is_some() {
                return Err(BuildError::DuplicateTool(name));
            }
            tools.push(registered);
        }
        let confirm = ConfirmGate::new(Duration::from_secs(self.config.confirm.timeout_secs))
            .map_err(|_| BuildError::Random)?;
        let guard: Arc<dyn ContentGuard> = match self.scanning {
            Some((scanner, vault)) => {
                Arc::new(ScanVaultGuard::new(scanner, vault, self.config.scan))
            }
            None => self.guard,
        };
        let identity_source: Arc<dyn IdentitySource> = match &self.pid {
            Some(step_up) => Arc::new(StepUpIdentity {
                inner: self.identity_source,
                step_up: step_up.clone(),
            }),
            None => self.identity_source,
        };
        let pipeline = Pipeline {
            identity: self.identity,
            instructions: self.instructions,
            tools,
            index,
            identity_source,
            guard,
            audit: self.audit,
            limiter: RateLimiter::default(),
            confirm,
            pid: self.pid,
        };
        Ok(SigilServer {
            pipeline: Arc::new(pipeline),
            http: self.config.http,
            oidc: self.oidc,
        })
    }
}
