//! Prompts and resources served from elsewhere (`sigil proxy`'s upstream), through the pipeline.
//!
//! The caller is identified as for a tool call. What comes back (listings, prompt messages,
//! resource contents) goes through the content guard on its way to the client, as a tool's
//! result does: values are vaulted and replaced by pointers, base64 bytes holding a finding are
//! withheld, a `block` action refuses. Each get or read is audited (`content_read`), and so is
//! every interception. An error from the source reaches the client as the source sent it.
//!
//! Not gated by trust or policy yet: any identified caller may list and read.

use std::future::Future;
use std::pin::Pin;

use rmcp::ErrorData;
use rmcp::RoleServer;
use rmcp::model::{
    GetPromptRequestParams, GetPromptResult, ListPromptsResult, ListResourceTemplatesResult,
    ListResourcesResult, PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResult,
};
use rmcp::service::RequestContext;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::audit::EventKind;
use crate::pipeline::{Decision, Pipeline, Refusal, Who};

/// A boxed future, as [`ContentSource`] returns.
pub type SourceFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, ErrorData>> + Send + 'a>>;

/// Where a server's prompts and resources come from, when it passes on another server's.
pub trait ContentSource: Send + Sync + 'static {
    /// Whether there are prompts to list (the `prompts` capability).
    fn has_prompts(&self) -> bool;
    /// Whether there are resources to list (the `resources` capability).
    fn has_resources(&self) -> bool;
    /// `prompts/list`.
    fn list_prompts(
        &self,
        page: Option<PaginatedRequestParams>,
    ) -> SourceFuture<'_, ListPromptsResult>;
    /// `prompts/get`.
    fn get_prompt(&self, request: GetPromptRequestParams) -> SourceFuture<'_, GetPromptResult>;
    /// `resources/list`.
    fn list_resources(
        &self,
        page: Option<PaginatedRequestParams>,
    ) -> SourceFuture<'_, ListResourcesResult>;
    /// `resources/templates/list`.
    fn list_resource_templates(
        &self,
        page: Option<PaginatedRequestParams>,
    ) -> SourceFuture<'_, ListResourceTemplatesResult>;
    /// `resources/read`.
    fn read_resource(
        &self,
        request: ReadResourceRequestParams,
    ) -> SourceFuture<'_, ReadResourceResult>;
}

impl Pipeline {
    /// Identifies the caller, awaits `answer`, and hands it to the client through the content
    /// guard. `method` names the request in the audit trail; `read` is the prompt's name or the
    /// resource's URI for a get or a read (audited each time, made log-safe), `None` for a
    /// listing.
    pub(crate) async fn pass_on<T: Serialize + DeserializeOwned>(
        &self,
        context: &RequestContext<RoleServer>,
        method: &'static str,
        read: Option<&str>,
        answer: SourceFuture<'_, T>,
    ) -> Result<T, ErrorData> {
        let caller = self
            .identity_source
            .identify(context)
            .map_err(|r| Refusal::Unauthenticated(r.reason).to_error())?;
        let answer = match answer.await {
            Ok(answer) => answer,
            // The source's own error, its text made log-safe and its data guarded like content.
            Err(mut e) => {
                e.message = self.guard.log_safe(&e.message).into();
                if let Some(data) = e.data.as_mut()
                    && self.guard.outbound_content(&caller, data).is_err()
                {
                    e.data = None;
                }
                return Err(e);
            }
        };
        let mut value = serde_json::to_value(&answer)
            .map_err(|e| ErrorData::internal_error(format!("{method}: {e}"), None))?;
        let report = match self.guard.outbound_content(&caller, &mut value) {
            Ok(report) => report,
            Err(why) => {
                let refusal = Refusal::Blocked(why);
                self.record(EventKind::CallRefused, Who::Caller(&caller))
                    .decision(Decision::Refused)
                    .reason(format_args!(
                        "{method}: {}: {}",
                        refusal.code_name(),
                        refusal.message()
                    ))
                    .append();
                return Err(refusal.to_error());
            }
        };
        if report.interceptions > 0 {
            self.record(EventKind::ScanInterception, Who::Caller(&caller))
                .rules(report.rules.clone())
                .reason(format_args!(
                    "{} value(s) intercepted in {method}",
                    report.interceptions
                ))
                .append();
        }
        if let Some(what) = read {
            self.record(EventKind::ContentRead, Who::Caller(&caller))
                .decision(Decision::Allowed)
                .reason(format_args!("{method} {}", self.guard.log_safe(what)))
                .append();
        }
        // What the guard rewrote must still be what the protocol says; if not, nothing goes.
        serde_json::from_value(value).map_err(|e| {
            tracing::error!(error = %e, method, "guarded content did not parse again");
            ErrorData::internal_error(format!("{method}: the guarded answer was malformed"), None)
        })
    }
}
