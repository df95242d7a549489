//! The upstream's prompts and resources, as a `ContentSource` the SIGIL server passes on
//! (through its content guard: see `sigil_runtime::pipeline::ContentSource`).
//!
//! Listings are passed page by page with the upstream's own cursors: nothing is filtered out
//! of them, so no page can bring back what was hidden. The upstream's JSON-RPC errors pass
//! through as errors. A prompt or resource for which the upstream asks for input (2026-07-28
//! `InputRequiredResult`) is refused: that is not passed on yet.

use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::model::{
    GetPromptRequestParams, GetPromptResult, ListPromptsResult, ListResourceTemplatesResult,
    ListResourcesResult, PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResult,
};
use rmcp::service::{Peer, RoleClient, ServiceError};
use sigil_runtime::pipeline::{ContentSource, SourceFuture};

/// The upstream's prompts and resources, as far as its capabilities announce them.
pub(crate) struct UpstreamContent {
    peer: Arc<Peer<RoleClient>>,
    prompts: bool,
    resources: bool,
}

impl UpstreamContent {
    /// The content of the upstream behind `peer`, or `None` if it announces neither prompts
    /// nor resources.
    pub(crate) fn of(peer: Arc<Peer<RoleClient>>) -> Option<Self> {
        let capabilities = peer.peer_info().map(|i| i.capabilities.clone())?;
        let prompts = capabilities.prompts.is_some();
        let resources = capabilities.resources.is_some();
        (prompts || resources).then_some(Self {
            peer,
            prompts,
            resources,
        })
    }
}

/// The upstream's error as the client should see it: its own JSON-RPC error, or what failed.
fn upstream_error(e: ServiceError) -> ErrorData {
    match e {
        ServiceError::McpError(e) => e,
        ServiceError::UnexpectedResponse => ErrorData::internal_error(
            "the upstream asked for input (or answered unexpectedly), which sigil proxy does \
             not pass on for prompts and resources yet",
            None,
        ),
        other => ErrorData::internal_error(format!("the upstream server failed: {other}"), None),
    }
}

impl ContentSource for UpstreamContent {
    fn has_prompts(&self) -> bool {
        self.prompts
    }

    fn has_resources(&self) -> bool {
        self.resources
    }

    fn list_prompts(
        &self,
        page: Option<PaginatedRequestParams>,
    ) -> SourceFuture<'_, ListPromptsResult> {
        Box::pin(async move { self.peer.list_prompts(page).await.map_err(upstream_error) })
    }

    fn get_prompt(&self, request: GetPromptRequestParams) -> SourceFuture<'_, GetPromptResult> {
        Box::pin(async move { self.peer.get_prompt(request).await.map_err(upstream_error) })
    }

    fn list_resources(
        &self,
        page: Option<PaginatedRequestParams>,
    ) -> SourceFuture<'_, ListResourcesResult> {
        Box::pin(async move { self.peer.list_resources(page).await.map_err(upstream_error) })
    }

    fn list_resource_templates(
        &self,
        page: Option<PaginatedRequestParams>,
    ) -> SourceFuture<'_, ListResourceTemplatesResult> {
        Box::pin(async move {
            self.peer
                .list_resource_templates(page)
                .await
                .map_err(upstream_error)
        })
    }

    fn read_resource(
        &self,
        request: ReadResourceRequestParams,
    ) -> SourceFuture<'_, ReadResourceResult> {
        Box::pin(async move {
            self.peer
                .read_resource(request)
                .await
                .map_err(upstream_error)
        })
    }
}
