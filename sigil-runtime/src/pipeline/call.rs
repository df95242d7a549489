//! `tools/call` through every gate, in order.

use rmcp::ErrorData;
use rmcp::RoleServer;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, InputRequiredResult, MetaObject,
    ProtocolVersion,
};
use rmcp::service::RequestContext;
use serde_json::{Map, Value};

use crate::audit::EventKind;
use crate::confirm::{
    ConfirmRefusal, ConfirmSubject, MAX_PREVIEW_CHARS, Mrtr, confirmation_message, visible,
};
use crate::envelope::{ENVELOPE_KEY, Envelope};
use crate::identity::Caller;
use crate::pipeline::digest::args_digest;
use crate::pipeline::{Decision, GuardReport, Pipeline, Refusal, Registered, Who};
use crate::tool::{Approved, GatedCall, ToolOutput};
use crate::vault::looks_like_pointer;

/// Where the call stands after the confirmation step.
enum Confirmation {
    NotNeeded,
    Approved,
    Ask(InputRequiredResult),
}

impl Pipeline {
    pub(crate) async fn call(
        &self,
        mut params: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let _running = self.in_flight.enter();
        // 1. identify
        let caller = match self.identity_source.identify(&ctx) {
            Ok(c) => c,
            Err(refused) => {
                self.record(EventKind::IdentityRefused, Who::Anonymous)
                    .tool(&params.name)
                    .decision(Decision::Refused)
                    .reason(&refused.reason)
                    .append();
                return Err(Refusal::Unauthenticated(refused.reason).to_error());
            }
        };
        let name = params.name.to_string();
        self.record_self_asserted(&caller, Some(&name), &ctx.meta.0);
        let args = Value::Object(params.arguments.take().unwrap_or_default());
        let digest = args_digest(&args);

        // 2. authorize: unknown tools, trust, scopes, rate. Deny by default.
        let Some(tool) = self.tool(&name) else {
            // The audit gets the name's digest (it is the client's text, and not needed in
            // clear); the client gets its own name back, escaped.
            let logged = self.tool_for_log(&name);
            if let Some(why) = self.withheld.get(&name) {
                let r = Refusal::Withheld {
                    tool: logged,
                    why: why.clone(),
                };
                self.record_refusal(EventKind::CallRefused, &caller, &name, &digest, &r);
                let shown = Refusal::Withheld {
                    tool: visible(&name),
                    why: why.clone(),
                };
                return Err(shown.to_error());
            }
            let r = Refusal::UnknownTool(logged);
            self.record_refusal(EventKind::CallRefused, &caller, &name, &digest, &r);
            return Err(Refusal::UnknownTool(visible(&name)).to_error());
        };
        if let Err(r) = self.authorize(&caller, tool) {
            if let Some(offer) = self.offer_pid_step_up(&caller, &name, &digest, &r, &ctx) {
                return Err(offer);
            }
            return Err(self.refuse(&caller, &name, &digest, r));
        }
        // A retry that carries a sealed approval was charged when the approval was asked for: a
        // confirmed call takes one token, not two. A forged or replayed state gets past this
        // but not past the confirmation gate, so every call that runs was charged once.
        // (2026-07-28 only: a legacy session asks again in the call, whatever it carries.)
        let charged_at_ask =
            tool.spec.needs_confirm() && params.request_state.is_some() && is_stateless(&ctx);
        if let (Some(rate), false) = (tool.spec.rate, charged_at_ask) {
            match self
                .limiter
                .try_acquire(&caller.principal().to_string(), &name, rate)
            {
                Ok(true) => {}
                Ok(false) => {
                    let r = Refusal::RateLimited(rate.to_string());
                    return Err(self.refuse_as(EventKind::RateLimited, &caller, &name, &digest, r));
                }
                Err(e) => {
                    tracing::error!(error = %e, "the rate limit could not be checked");
                    return Err(self.refuse(&caller, &name, &digest, Refusal::StateUnavailable));
                }
            }
        }

        // 3. validate against the advertised schema: undeclared arguments first, named all.
        //    Failures are a tool result with `isError: true` (SEP-1303): the model can fix them.
        let Value::Object(args) = args else {
            unreachable!("built as an object above")
        };
        if let Some(r) = undeclared(tool, &args) {
            return self.refuse_arguments(&caller, &name, &digest, r);
        }
        let args = Value::Object(args);
        let violations = tool.schema.validate(&args);
        if !violations.is_empty() {
            let r = Refusal::InvalidArguments(violations.iter().map(ToString::to_string).collect());
            return self.refuse_arguments(&caller, &name, &digest, r);
        }
        let Value::Object(mut resolved_args) = args else {
            unreachable!("built as an object above")
        };

        // 4. inbound guard: resolve vault pointers the tool may see, scan arguments. A pointer
        //    left over did not resolve: refuse, never hand the tool the pointer text.
        let inbound = match self
            .guard
            .inbound(&caller, &tool.spec, &mut resolved_args, &ctx.meta.0)
        {
            Ok(r) => r,
            Err(why) => return Err(self.refuse(&caller, &name, &digest, Refusal::Blocked(why))),
        };
        self.audit_guard(&caller, &name, &inbound, "arguments");
        if let Some(arg) = argument_with_pointer(tool, &resolved_args) {
            let r = Refusal::PointerUnresolved(arg);
            return Err(self.refuse(&caller, &name, &digest, r));
        }

        // 5. confirm, showing the human exactly what the tool will receive; the approval is
        //    bound to the digest of what the client sent.
        let confirmed = match self
            .confirm_step(&caller, tool, &resolved_args, &digest, &params, &ctx)
            .await
        {
            Ok(Confirmation::Ask(ask)) => return Ok(CallToolResponse::InputRequired(ask)),
            Ok(Confirmation::Approved) => true,
            Ok(Confirmation::NotNeeded) => false,
            Err(r) => return Err(self.refuse(&caller, &name, &digest, r)),
        };

        // 6. the gate: record the decision first (fail closed), then issue the proof
        let decision = if confirmed {
            Decision::Confirmed
        } else {
            Decision::Allowed
        };
        let allowed = self
            .record(EventKind::CallAllowed, Who::Caller(&caller))
            .tool(&name)
            .decision(decision)
            .digest(&digest)
            .try_append();
        if allowed.is_err() {
            return Err(Refusal::AuditUnavailable.to_error());
        }
        let call = GatedCall::new(
            Approved::issue(confirmed),
            name.clone(),
            caller.clone(),
            resolved_args,
        );
        let outcome = (tool.handler)(call).await;

        // 7. outbound guard on whatever the tool returned, error text included
        let (mut output, is_error) = match outcome {
            Ok(o) => (o, false),
            Err(err) => (ToolOutput::text(err.message().to_owned()), true),
        };
        let outbound = match self.guard.outbound(&caller, &tool.spec, &mut output) {
            Ok(r) => r,
            Err(why) => return Err(self.refuse(&caller, &name, &digest, Refusal::Blocked(why))),
        };
        self.audit_guard(&caller, &name, &outbound, "result");

        // 8. audit the outcome; its id goes into the envelope
        let kind = if is_error {
            EventKind::ToolError
        } else {
            EventKind::ToolResult
        };
        let Some(audit_id) = self
            .record(kind, Who::Caller(&caller))
            .tool(&name)
            .decision(decision)
            .digest(&digest)
            .rules(merge_rules(&inbound, &outbound))
            .append()
        else {
            return Err(Refusal::AuditUnavailable.to_error());
        };
        let envelope = Envelope {
            scanned: inbound.scanned && outbound.scanned,
            interceptions: inbound.interceptions + outbound.interceptions,
            audit_id: audit_id.to_string(),
            decision: decision.as_str(),
            principal: caller.principal().to_string(),
            trust_level: caller.trust().as_str(),
        };
        let (content, structured) = output.into_content();
        let mut result = if is_error {
            CallToolResult::error(content)
        } else {
            CallToolResult::success(content)
        };
        result.structured_content = structured;
        let mut meta = Map::new();
        meta.insert(
            ENVELOPE_KEY.to_owned(),
            serde_json::to_value(&envelope).unwrap_or(Value::Null),
        );
        result.meta = Some(MetaObject(meta));
        Ok(CallToolResponse::Complete(result))
    }

    async fn confirm_step(
        &self,
        caller: &Caller,
        tool: &Registered,
        args: &Map<String, Value>,
        digest: &str,
        params: &CallToolRequestParams,
        ctx: &RequestContext<RoleServer>,
    ) -> Result<Confirmation, Refusal> {
        if !tool.spec.needs_confirm() {
            return Ok(Confirmation::NotNeeded);
        }
        let principal = caller.principal().to_string();
        let name = tool.spec.name();
        let mask = |s: &str| self.guard.preview_mask(&tool.spec, s);
        let message =
            confirmation_message(name, tool.spec.risk().as_str(), &tool.fields, args, &mask)
                .map_err(|too_long| Refusal::PreviewTooLong {
                    chars: too_long.chars,
                    limit: MAX_PREVIEW_CHARS,
                })?;
        let subject = ConfirmSubject {
            principal: &principal,
            tool: name,
            digest,
            message,
        };
        let stateless = is_stateless(ctx);

        let verdict = if stateless {
            let can_elicit = ctx
                .client_capabilities()
                .is_some_and(|c| c.elicitation.is_some());
            match self.confirm.mrtr(
                subject,
                can_elicit,
                params.request_state.as_deref(),
                params.input_responses.as_ref(),
            ) {
                Mrtr::Ask { requests, state } => {
                    self.record(EventKind::ConfirmRequested, Who::Caller(caller))
                        .tool(name)
                        .digest(digest)
                        .append();
                    return Ok(Confirmation::Ask(InputRequiredResult::new(
                        Some(requests),
                        Some(state),
                    )));
                }
                Mrtr::Approved => Ok(()),
                Mrtr::Refused(r) => Err(r),
                Mrtr::Unavailable(e) => {
                    tracing::error!(error = %e, "a confirmation could not be checked as unspent");
                    return Err(Refusal::StateUnavailable);
                }
            }
        } else {
            self.record(EventKind::ConfirmRequested, Who::Caller(caller))
                .tool(name)
                .digest(digest)
                .append();
            self.confirm.ask_in_session(&ctx.peer, subject).await
        };
        let kind = match &verdict {
            Ok(()) => EventKind::ConfirmAccepted,
            Err(ConfirmRefusal::Declined) => EventKind::ConfirmDeclined,
            Err(ConfirmRefusal::Expired | ConfirmRefusal::Replayed | ConfirmRefusal::Mismatch) => {
                EventKind::ConfirmExpired
            }
            Err(ConfirmRefusal::Cancelled | ConfirmRefusal::Unavailable) => {
                EventKind::ConfirmCancelled
            }
        };
        let mut record = self
            .record(kind, Who::Caller(caller))
            .tool(name)
            .digest(digest);
        if let Err(r) = &verdict {
            record = record.reason(r.reason());
        }
        record.append();
        verdict
            .map(|()| Confirmation::Approved)
            .map_err(Refusal::Confirmation)
    }

    fn refuse(&self, caller: &Caller, tool: &str, digest: &str, refusal: Refusal) -> ErrorData {
        self.refuse_as(EventKind::CallRefused, caller, tool, digest, refusal)
    }

    fn refuse_as(
        &self,
        kind: EventKind,
        caller: &Caller,
        tool: &str,
        digest: &str,
        refusal: Refusal,
    ) -> ErrorData {
        self.record_refusal(kind, caller, tool, digest, &refusal);
        refusal.to_error()
    }

    /// Audits a refusal, and logs it once. The tool name and the reason may hold client text (an
    /// unknown tool's name, argument names): the recorder sanitises both.
    fn record_refusal(
        &self,
        kind: EventKind,
        caller: &Caller,
        tool: &str,
        digest: &str,
        refusal: &Refusal,
    ) -> Option<crate::audit::AuditId> {
        let logged_tool = self.tool_for_log(tool);
        let reason = format!("{}: {}", refusal.code_name(), refusal.message());
        // The one log line of a refusal (rmcp's own repeats the raw message: keep it at error).
        tracing::warn!(
            tool = %logged_tool,
            principal = %caller.principal(),
            reason = %self.client_text(&reason),
            "call refused"
        );
        self.record(kind, Who::Caller(caller))
            .tool(tool)
            .decision(Decision::Refused)
            .reason(reason)
            .digest(digest)
            .append()
    }

    /// Arguments that break the schema: audited as refused, answered as a tool result with
    /// `isError: true` (SEP-1303) so that a model can correct the call. Nothing ran.
    fn refuse_arguments(
        &self,
        caller: &Caller,
        tool: &str,
        digest: &str,
        refusal: Refusal,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(audit_id) =
            self.record_refusal(EventKind::CallRefused, caller, tool, digest, &refusal)
        else {
            return Err(Refusal::AuditUnavailable.to_error());
        };
        let (content, _) = ToolOutput::text(refusal.message()).into_content();
        let mut result = CallToolResult::error(content);
        let envelope = Envelope {
            scanned: false,
            interceptions: 0,
            audit_id: audit_id.to_string(),
            decision: "refused",
            principal: caller.principal().to_string(),
            trust_level: caller.trust().as_str(),
        };
        let mut meta = Map::new();
        meta.insert(
            ENVELOPE_KEY.to_owned(),
            serde_json::to_value(&envelope).unwrap_or(Value::Null),
        );
        meta.insert(
            "org.sigil-protocol/refusal".to_owned(),
            serde_json::json!({"reason": refusal.code_name()}),
        );
        result.meta = Some(MetaObject(meta));
        Ok(CallToolResponse::Complete(result))
    }

    fn audit_guard(&self, caller: &Caller, tool: &str, report: &GuardReport, side: &str) {
        if report.interceptions > 0 {
            self.record(EventKind::ScanInterception, Who::Caller(caller))
                .tool(tool)
                .rules(report.rules.clone())
                .reason(format_args!(
                    "{} value(s) intercepted in the {side}",
                    report.interceptions
                ))
                .append();
        }
        for kind in &report.resolved {
            self.record(EventKind::VaultResolve, Who::Caller(caller))
                .tool(tool)
                .reason(format_args!("{kind} pointer resolved into the {side}"))
                .append();
        }
        for why in &report.refused {
            self.record(EventKind::VaultRefusal, Who::Caller(caller))
                .tool(tool)
                .reason(why)
                .append();
        }
    }
}

/// The arguments a closed schema does not declare, escaped, all of them.
fn undeclared(tool: &Registered, args: &Map<String, Value>) -> Option<Refusal> {
    if !tool.closed {
        return None;
    }
    let mut names: Vec<String> = args
        .keys()
        .filter(|k| !tool.fields.contains(k))
        .map(|k| format!("`{}`", visible(k)))
        .collect();
    if names.is_empty() {
        return None;
    }
    names.sort();
    Some(Refusal::UnknownArguments(names))
}

/// The first argument (in declaration order, then the rest) that still holds something shaped
/// like a vault pointer after the inbound guard resolved what it could.
fn argument_with_pointer(tool: &Registered, args: &Map<String, Value>) -> Option<String> {
    let declared = tool.fields.iter().filter_map(|k| args.get_key_value(k));
    let rest = args.iter().filter(|(k, _)| !tool.fields.contains(k));
    declared
        .chain(rest)
        .find(|(_, v)| holds_pointer(v))
        .map(|(k, _)| visible(k))
}

fn holds_pointer(v: &Value) -> bool {
    match v {
        Value::String(s) => looks_like_pointer(s),
        Value::Array(a) => a.iter().any(holds_pointer),
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| looks_like_pointer(k) || holds_pointer(v)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

fn merge_rules(a: &GuardReport, b: &GuardReport) -> Vec<(String, u32)> {
    let mut out: Vec<(String, u32)> = Vec::new();
    for (rule, n) in a.rules.iter().chain(&b.rules) {
        match out.iter_mut().find(|(r, _)| r == rule) {
            Some((_, m)) => *m += n,
            None => out.push((rule.clone(), *n)),
        }
    }
    out
}

/// Whether the call is in the 2026-07-28 era: confirmation through `InputRequiredResult` and a
/// retry with the sealed `requestState`, rather than in the session.
fn is_stateless(ctx: &RequestContext<RoleServer>) -> bool {
    ctx.protocol_version()
        .is_some_and(|v| v.as_str() >= ProtocolVersion::V_2026_07_28.as_str())
}
