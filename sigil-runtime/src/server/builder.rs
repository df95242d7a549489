//! `SigilServer::builder`: tools from macros or known only at run time, one pipeline.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use std::path::PathBuf;

use crate::audit::{AuditLog, AuditSink, MemoryAudit};
use crate::config::SigilConfig;
use crate::identity::pid::{PidStepUp, StepUpIdentity};
use crate::identity::resource_server::ResourceServer;
use crate::identity::{Caller, ExtensionsOrDefault, IdentitySource};
use crate::pipeline::{
    ContentGuard, ContentSource, InFlight, NoGuard, Pipeline, ScanVaultGuard, register,
};
use crate::scan::Scanner;
use crate::server::state_setup::StateSetup;
use crate::server::{BuildError, Dangerous, KeyDir, SigilServer};
use crate::state::SharedState;
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

type Pending = BoundTool;

/// Builds a [`SigilServer`].
pub struct SigilServerBuilder {
    identity: ServerIdentity,
    instructions: Option<String>,
    definition_notes: Vec<(String, String)>,
    withheld: HashMap<String, String>,
    tools: Vec<Pending>,
    identity_source: Arc<dyn IdentitySource>,
    guard: Option<Arc<dyn ContentGuard>>,
    audit: Option<Arc<dyn AuditSink>>,
    dangerous: Vec<Dangerous>,
    data_dir: Option<PathBuf>,
    quiet: bool,
    config: SigilConfig,
    scanning: Option<(Scanner, Arc<Vault>)>,
    oidc: Option<Arc<ResourceServer>>,
    pid: Option<Arc<PidStepUp>>,
    state: Option<SharedState>,
    keys: Option<KeyDir>,
    content: Option<Arc<dyn ContentSource>>,
}

impl std::fmt::Debug for SigilServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigilServerBuilder")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl SigilServer {
    /// A builder for a server with this name and version.
    pub fn builder(name: impl Into<String>, version: impl Into<String>) -> SigilServerBuilder {
        SigilServerBuilder::new(ServerIdentity {
            name: name.into(),
            version: version.into(),
        })
    }

    /// A builder holding every tool of a `#[sigil::server]` service.
    pub fn for_service<S: SigilService>(service: S) -> SigilServerBuilder {
        SigilServerBuilder::new(S::server_identity()).service(service)
    }
}

impl SigilServerBuilder {
    pub(crate) fn new(identity: ServerIdentity) -> Self {
        Self {
            identity,
            instructions: None,
            definition_notes: Vec::new(),
            withheld: HashMap::new(),
            tools: Vec::new(),
            identity_source: Arc::new(ExtensionsOrDefault::new(Caller::anonymous())),
            guard: None,
            audit: None,
            dangerous: Vec::new(),
            data_dir: None,
            quiet: false,
            config: SigilConfig::default(),
            scanning: None,
            oidc: None,
            pid: None,
            state: None,
            keys: None,
            content: None,
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

    /// Serves the prompts and resources of `source` (`sigil proxy`: its upstream's), through
    /// the content guard, each get and read audited.
    #[must_use]
    pub fn content_source(mut self, source: impl ContentSource) -> Self {
        self.content = Some(Arc::new(source));
        self
    }

    /// Instructions shown to clients at initialization.
    #[must_use]
    pub fn instructions(mut self, text: impl Into<String>) -> Self {
        self.instructions = Some(text.into());
        self
    }

    /// A tool that is not served, and why: it is not listed, and a call to it is refused with
    /// `why` (a front door withholding a tool until someone acts, as `sigil proxy` does with a
    /// definition that changed). A served tool of the same name wins.
    #[must_use]
    pub fn withheld(mut self, tool: impl Into<String>, why: impl Into<String>) -> Self {
        self.withheld.insert(tool.into(), why.into());
        self
    }

    /// Records, when the server starts, a decision taken about `tool`'s definition before it
    /// was built (a `tool_definition` audit record; `sigil proxy` notes what it pinned, hid and
    /// why). `reason` must say what was decided, never the definition's text.
    #[must_use]
    pub fn definition_note(mut self, tool: impl Into<String>, reason: impl Into<String>) -> Self {
        self.definition_notes.push((tool.into(), reason.into()));
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

    /// The scanner/vault seam. Default: the default scanner pack, with what results leak
    /// vaulted in memory under the vault key of the data directory (see [`data_dir`](Self::data_dir)).
    /// A guard that does not scan needs [`Dangerous::NoScanning`].
    #[must_use]
    pub fn guard(mut self, guard: impl ContentGuard) -> Self {
        self.guard = Some(Arc::new(guard));
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

    /// The audit seam. Default: the signed, hash-chained log `audit.jsonl` in the data directory,
    /// its keys beside it (what `sigil audit verify` checks with no flags). A sink that does not
    /// outlive the process needs [`Dangerous::MemoryAudit`].
    #[must_use]
    pub fn audit(mut self, sink: Arc<dyn AuditSink>) -> Self {
        self.audit = Some(sink);
        self
    }

    /// Where the default audit log, its keys and the vault key live. Default: SIGIL's data
    /// directory (`$XDG_DATA_HOME/sigil`, else `~/.local/share/sigil`).
    #[must_use]
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Where the state that replicas must share lives: rate-limit buckets, spent approvals and
    /// the default vault's records. Default: this process's memory, or `[state] url` of the
    /// configuration. A store shared with other processes needs [`keys`](Self::keys).
    #[must_use]
    pub fn state(mut self, state: SharedState) -> Self {
        self.state = Some(state);
        self
    }

    /// The keys every replica shares (vault, `requestState` sealing, audit), from a key
    /// directory made by `sigil keygen --out DIR`. Default: `[state] keys` of the
    /// configuration, else keys of this process (the vault and audit keys of the data
    /// directory, a fresh sealing key).
    #[must_use]
    pub fn keys(mut self, keys: KeyDir) -> Self {
        self.keys = Some(keys);
        self
    }

    /// No start-up banner on stderr (see [`SigilServer::banner`]).
    #[must_use]
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// Gives up one safe default, by name: [`Dangerous::NoScanning`] (with no guard set, nothing
    /// is scanned) or [`Dangerous::MemoryAudit`] (with no sink set, the audit trail is kept in
    /// memory). Each is logged as a warning when the server is built.
    #[must_use]
    pub fn dangerous(mut self, what: Dangerous) -> Self {
        if !self.dangerous.contains(&what) {
            self.dangerous.push(what);
        }
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
        let shared = StateSetup::resolve(self.state, self.keys, &self.config.state)?;
        let confirm = shared.confirm_gate(Duration::from_secs(self.config.confirm.timeout_secs))?;
        let allows = |what| self.dangerous.contains(&what);
        for what in &self.dangerous {
            tracing::warn!(server = %self.identity.name, "built with {what}");
        }
        let data_dir = match self.data_dir {
            Some(dir) => Ok(dir),
            None => crate::basics::data_dir(),
        };
        let default_dir = || {
            data_dir
                .clone()
                .map_err(|e| BuildError::Defaults(format!("{e}, or call .data_dir(DIR)")))
        };
        let guard: Arc<dyn ContentGuard> = match (self.scanning, self.guard) {
            (Some((scanner, vault)), _) => {
                Arc::new(ScanVaultGuard::new(scanner, vault, self.config.scan))
            }
            (None, Some(guard)) if !guard.scans() && !allows(Dangerous::NoScanning) => {
                return Err(BuildError::Undeclared(Dangerous::NoScanning));
            }
            (None, Some(guard)) => guard,
            (None, None) if allows(Dangerous::NoScanning) => Arc::new(NoGuard),
            (None, None) => {
                let (scanner, vault) = default_scanning(&shared, &default_dir()?)?;
                Arc::new(ScanVaultGuard::new(scanner, vault, self.config.scan))
            }
        };
        let audit: Arc<dyn AuditSink> = match self.audit {
            Some(sink) if !sink.durable() && !allows(Dangerous::MemoryAudit) => {
                return Err(BuildError::Undeclared(Dangerous::MemoryAudit));
            }
            Some(sink) => sink,
            None if allows(Dangerous::MemoryAudit) => Arc::new(MemoryAudit::new()),
            None => default_audit(&shared, &default_dir()?)?,
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
            definition_notes: self.definition_notes,
            withheld: self.withheld,
            tools,
            index,
            identity_source,
            guard,
            audit,
            limiter: shared.limiter(),
            confirm,
            state: shared.describe(),
            in_flight: InFlight::default(),
            pid: self.pid,
            content: self.content,
        };
        Ok(SigilServer {
            pipeline: Arc::new(pipeline),
            http: self.config.http,
            oidc: self.oidc,
            quiet: self.quiet,
        })
    }
}

/// The default scanner pack, vaulting into the default vault of `shared` (see
/// [`StateSetup::default_vault`]).
fn default_scanning(
    shared: &StateSetup,
    dir: &std::path::Path,
) -> Result<(Scanner, Arc<Vault>), BuildError> {
    let vault = shared.default_vault(dir)?;
    let scanner = Scanner::default_pack()
        .map_err(|e| BuildError::Defaults(format!("the default scanner: {e}")))?;
    Ok((scanner, vault))
}

/// The audit log `dir/audit.jsonl`, with the keys of `shared` (see [`StateSetup::audit_keys`]).
fn default_audit(
    shared: &StateSetup,
    dir: &std::path::Path,
) -> Result<Arc<dyn AuditSink>, BuildError> {
    let keys = shared.audit_keys(dir)?;
    let log = AuditLog::open(dir.join("audit.jsonl"), keys, shared.audit_config()?)
        .map_err(|e| BuildError::Defaults(format!("audit log: {e}")))?;
    Ok(Arc::new(log))
}
