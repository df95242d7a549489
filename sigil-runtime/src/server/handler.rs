//! The rmcp glue: `SigilServer` is an rmcp `ServerHandler` whose tools go through the pipeline.

use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::RoleServer;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, GetPromptRequestParams, GetPromptResponse,
    Implementation, InitializeResult, ListPromptsResult, ListResourceTemplatesResult,
    ListResourcesResult, ListToolsResult, PaginatedRequestParams, ReadResourceRequestParams,
    ReadResourceResponse, ServerCapabilities, Tool,
};
use rmcp::service::RequestContext;

use crate::audit::EventKind;
use crate::basics::TrustLevel;
use crate::config::HttpConfig;
use crate::identity::Caller;
use crate::identity::resource_server::ResourceServer;
use crate::pipeline::{ContentSource, Pipeline, Refusal};
use crate::pipeline::{Decision, Who};

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

    /// The source of prompts and resources, or "method not found" for a server without one.
    fn content(
        &self,
        method: &'static str,
    ) -> Result<&std::sync::Arc<dyn ContentSource>, ErrorData> {
        self.pipeline.content.as_ref().ok_or_else(|| {
            ErrorData::new(
                rmcp::model::ErrorCode::METHOD_NOT_FOUND,
                format!("Method not found: {method}"),
                None,
            )
        })
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
        let mut capabilities = ServerCapabilities::builder().enable_tools().build();
        if let Some(source) = &self.pipeline.content {
            // Neither subscriptions nor list_changed: no notification is passed on yet.
            if source.has_prompts() {
                capabilities.prompts = Some(Default::default());
            }
            if source.has_resources() {
                capabilities.resources = Some(Default::default());
            }
        }
        let mut info = InitializeResult::new(capabilities)
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

    async fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        let source = self.content("prompts/list")?;
        let answer = source.list_prompts(request);
        self.pipeline
            .pass_on(&context, "prompts/list", None, answer)
            .await
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let source = self.content("prompts/get")?;
        let name = request.name.clone();
        let answer = source.get_prompt(request);
        self.pipeline
            .pass_on(&context, "prompts/get", Some(&name), answer)
            .await
            .map(GetPromptResponse::Complete)
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let source = self.content("resources/list")?;
        let answer = source.list_resources(request);
        self.pipeline
            .pass_on(&context, "resources/list", None, answer)
            .await
    }

    async fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let source = self.content("resources/templates/list")?;
        let answer = source.list_resource_templates(request);
        self.pipeline
            .pass_on(&context, "resources/templates/list", None, answer)
            .await
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let source = self.content("resources/read")?;
        let uri = request.uri.clone();
        let answer = source.read_resource(request);
        self.pipeline
            .pass_on(&context, "resources/read", Some(&uri), answer)
            .await
            .map(ReadResourceResponse::Complete)
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.pipeline.tool(name).map(|t| t.tool.clone())
    }
}
