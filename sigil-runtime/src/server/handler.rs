//! The rmcp glue: `SigilServer` is an rmcp `ServerHandler` whose tools go through the pipeline.

use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::RoleServer;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, InitializeResult, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, Tool,
};
use rmcp::service::RequestContext;

use crate::audit::EventKind;
use crate::basics::TrustLevel;
use crate::config::HttpConfig;
use crate::identity::Caller;
use crate::identity::resource_server::ResourceServer;
use crate::pipeline::{Decision, Who};
use crate::pipeline::{Pipeline, Refusal};

/// A secured MCP server: cheap to clone, one pipeline shared by every session.
#[derive(Clone)]
pub struct SigilServer {
    pub(crate) pipeline: Arc<Pipeline>,
    pub(crate) http: HttpConfig,
    pub(crate) oidc: Option<Arc<ResourceServer>>,
    /// No start-up banner.
    pub(crate) quiet: bool,
}

impl std::fmt::Debug for SigilServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigilServer")
            .field("identity", &self.pipeline.identity)
            .finish_non_exhaustive()
    }
}

impl SigilServer {
    /// Every registered tool as advertised (before any caller filtering).
    pub fn tools(&self) -> Vec<Tool> {
        self.pipeline.tools.iter().map(|t| t.tool.clone()).collect()
    }

    /// The OAuth resource server guarding `/mcp` over HTTP, if configured.
    pub fn resource_server(&self) -> Option<&ResourceServer> {
        self.oidc.as_deref()
    }

    /// The trust and scopes a call of `tool` needs (after configuration); `None` for a tool that
    /// is unknown or disabled. Read-only: the HTTP front door uses it to answer a `tools/call`
    /// with the right challenge before the pipeline refuses it.
    pub(crate) fn required_for(&self, tool: &str) -> Option<(TrustLevel, Vec<String>)> {
        self.pipeline
            .tool(tool)
            .map(|t| (t.spec.required_trust(), t.spec.required_scopes().to_vec()))
    }

    /// Records a call refused by the HTTP front door, as the pipeline records its refusals.
    pub(crate) fn audit_http_refusal(&self, caller: &Caller, tool: &str, refusal: &Refusal) {
        self.pipeline
            .record(EventKind::CallRefused, Who::Caller(caller))
            .tool(tool)
            .decision(Decision::Refused)
            .reason(format_args!(
                "{}: {} (HTTP)",
                refusal.code_name(),
                refusal.message()
            ))
            .append();
    }

    /// Records server start in the audit trail.
    pub(crate) fn audit_lifecycle(&self, kind: EventKind) {
        let id = &self.pipeline.identity;
        self.pipeline
            .record(kind, Who::Anonymous)
            .reason(format_args!("{} {}", id.name, id.version))
            .append();
        if kind == EventKind::ServerStart {
            for (tool, reason) in &self.pipeline.definition_notes {
                self.pipeline
                    .record(EventKind::ToolDefinition, Who::Anonymous)
                    .tool(tool)
                    .reason(reason)
                    .append();
            }
        }
    }
}

impl ServerHandler for SigilServer {
    fn get_info(&self) -> InitializeResult {
        let id = &self.pipeline.identity;
        let mut info = InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(id.name.clone(), id.version.clone()));
        if let Some(i) = &self.pipeline.instructions {
            info = info.with_instructions(i.clone());
        }
        info
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        match self.pipeline.identity_source.identify(&context) {
            Ok(caller) => {
                self.pipeline
                    .record_self_asserted(&caller, None, &context.meta.0);
                // Every tool is listed at once and no cursor is ever handed out, so any cursor
                // is unknown (the MCP pagination rules ask for -32602).
                if request.is_some_and(|r| r.cursor.is_some()) {
                    self.pipeline
                        .record(EventKind::RequestRejected, Who::Caller(&caller))
                        .decision(Decision::Refused)
                        .reason("invalid_cursor (-32602): tools/list hands out no cursor")
                        .append();
                    return Err(ErrorData::invalid_params(
                        "Invalid params: unknown cursor (tools/list returns every tool at once)",
                        Some(serde_json::json!({"reason": "invalid_cursor"})),
                    ));
                }
                Ok(self.pipeline.list(&caller))
            }
            Err(r) => Err(Refusal::Unauthenticated(r.reason).to_error()),
        }
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        self.pipeline.call(request, context).await
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.pipeline.tool(name).map(|t| t.tool.clone())
    }
}
