//! The pipeline end to end with an in-process rmcp client: what a caller sees and what runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use rmcp::model::{CallToolRequestParams, CallToolResult};
use serde_json::{Value, json};
use sigil::audit::{EventKind, MemoryAudit};
use sigil::envelope::ENVELOPE_KEY;
use sigil::envelope::codes;
use sigil::server::{Dangerous, SigilServer, ToolDef};
use sigil::tool::ToolSpec;
use sigil::{Caller, Risk, ToolOutput, TrustLevel};
use sigil_tests::{Answer, connect};

struct Fixture {
    server: SigilServer,
    runs: Arc<AtomicU32>,
    audit: Arc<MemoryAudit>,
}

fn fixture(trust: TrustLevel) -> Fixture {
    let runs = Arc::new(AtomicU32::new(0));
    let audit = Arc::new(MemoryAudit::new());
    let r1 = runs.clone();
    let r2 = runs.clone();
    let server = SigilServer::builder("t", "1")
        .default_caller(Caller::local("ann", trust))
        .audit(audit.clone())
        .tool(ToolDef::new(ToolSpec::new("peek", "Read something.", Risk::Low)), |_call| async {
            Ok(ToolOutput::text("hello"))
        })
        .tool(
            ToolDef::new(ToolSpec::new("pay", "Pay someone.", Risk::High).confirm()).input_schema(json!({
                "type": "object",
                "properties": {"to": {"type": "string"}, "amount_cents": {"type": "integer", "minimum": 1}},
                "required": ["to", "amount_cents"]
            })),
            move |call| {
                let runs = r1.clone();
                async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    Ok(ToolOutput::structured(json!({"paid": call.arguments()["amount_cents"]})))
                }
            },
        )
        .tool(ToolDef::new(ToolSpec::new("scoped", "Needs a scope.", Risk::Low).scopes(["s:x"])), move |_| {
            let runs = r2.clone();
            async move {
                runs.fetch_add(1, Ordering::SeqCst);
                Ok(ToolOutput::text("never"))
            }
        })
        .dangerous(Dangerous::NoScanning)
        .dangerous(Dangerous::MemoryAudit)
        .build()
        .expect("server builds");
    Fixture {
        server,
        runs,
        audit,
    }
}

fn params(name: &str, args: Value) -> CallToolRequestParams {
    CallToolRequestParams::new(name.to_owned())
        .with_arguments(args.as_object().cloned().unwrap_or_default())
}

fn envelope(r: &CallToolResult) -> Value {
    r.meta
        .as_ref()
        .and_then(|m| m.0.get(ENVELOPE_KEY))
        .cloned()
        .expect("envelope in _meta")
}

fn error_code(e: rmcp::ServiceError) -> (i32, String) {
    match e {
        rmcp::ServiceError::McpError(d) => (d.code.0, d.message.to_string()),
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

#[tokio::test]
async fn low_trust_sees_and_calls_only_what_it_may() {
    let f = fixture(TrustLevel::Low);
    let (client, _) = connect(f.server, Answer::Approve).await;
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        names,
        ["peek"],
        "a low caller sees neither the high tool nor the scoped one"
    );

    let r = client.call_tool(params("peek", json!({}))).await.unwrap();
    let env = envelope(&r);
    assert_eq!(env["decision"], "allowed");
    assert_eq!(env["principal"], "local:ann");
    assert_eq!(env["trust_level"], "low");
    assert!(env["audit_id"].as_str().is_some_and(|s| !s.is_empty()));

    let (code, msg) = error_code(
        client
            .call_tool(params("pay", json!({"to": "x", "amount_cents": 5})))
            .await
            .unwrap_err(),
    );
    assert_eq!(code, codes::TRUST_TOO_LOW);
    assert!(msg.contains("high"), "{msg}");
    let (code, msg) = error_code(
        client
            .call_tool(params("scoped", json!({})))
            .await
            .unwrap_err(),
    );
    assert_eq!(code, codes::INSUFFICIENT_SCOPE);
    assert!(msg.contains("s:x"), "{msg}");
    assert_eq!(
        f.runs.load(Ordering::SeqCst),
        0,
        "nothing that failed a gate ran"
    );
}

#[tokio::test]
async fn tool_metadata_carries_risk_trust_and_annotations() {
    let f = fixture(TrustLevel::High);
    let (client, _) = connect(f.server, Answer::Approve).await;
    let tools = client.list_all_tools().await.unwrap();
    let pay = tools
        .iter()
        .find(|t| t.name == "pay")
        .expect("high caller sees pay");
    let meta = &pay.meta.as_ref().unwrap().0;
    assert_eq!(meta["org.sigil-protocol/risk"], "high");
    assert_eq!(meta["org.sigil-protocol/trust"], "high");
    let ann = pay.annotations.as_ref().unwrap();
    assert_eq!(ann.destructive_hint, Some(true));
    assert_eq!(ann.read_only_hint, Some(false));
    let peek = tools.iter().find(|t| t.name == "peek").unwrap();
    assert_eq!(
        peek.annotations.as_ref().unwrap().read_only_hint,
        Some(true)
    );
}

#[tokio::test]
async fn confirmed_call_runs_once_with_the_preview_shown() {
    let f = fixture(TrustLevel::High);
    let (client, tc) = connect(f.server, Answer::Approve).await;
    let r = client
        .call_tool(params("pay", json!({"to": "bob", "amount_cents": 250})))
        .await
        .unwrap();
    assert_eq!(r.structured_content, Some(json!({"paid": 250})));
    assert_eq!(envelope(&r)["decision"], "confirmed");
    assert_eq!(f.runs.load(Ordering::SeqCst), 1);
    let asked = tc.asked();
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0].contains("amount_cents: 250") && asked[0].contains("pay"),
        "{}",
        asked[0]
    );
    let kinds: Vec<EventKind> = f.audit.events().iter().map(|e| e.kind).collect();
    assert!(
        kinds.contains(&EventKind::ConfirmRequested) && kinds.contains(&EventKind::ConfirmAccepted),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn declined_cancelled_or_unavailable_confirmation_runs_nothing() {
    for (answer, code, event) in [
        (
            Answer::Decline,
            codes::CONFIRMATION_DECLINED,
            EventKind::ConfirmDeclined,
        ),
        (
            Answer::Cancel,
            codes::CONFIRMATION_DECLINED,
            EventKind::ConfirmCancelled,
        ),
        (
            Answer::NoElicitation,
            codes::CONFIRMATION_UNAVAILABLE,
            EventKind::ConfirmCancelled,
        ),
    ] {
        let f = fixture(TrustLevel::High);
        let (client, _) = connect(f.server, answer).await;
        let (got, msg) = error_code(
            client
                .call_tool(params("pay", json!({"to": "bob", "amount_cents": 1})))
                .await
                .unwrap_err(),
        );
        assert_eq!(got, code, "{answer:?}: {msg}");
        assert!(msg.starts_with("not executed"), "{msg}");
        assert_eq!(
            f.runs.load(Ordering::SeqCst),
            0,
            "{answer:?}: the tool must not run"
        );
        let events = f.audit.events();
        assert!(
            events.iter().any(|e| e.kind == event),
            "{answer:?}: audit records why"
        );
        assert!(
            !events.iter().any(|e| e.kind == EventKind::CallAllowed),
            "{answer:?}"
        );
    }
}

#[tokio::test]
async fn schema_is_enforced_and_bad_input_is_a_clear_error() {
    let f = fixture(TrustLevel::High);
    let (client, _) = connect(f.server, Answer::Approve).await;
    // Arguments that break the schema are a tool result with `isError: true` (SEP-1303), so a
    // model can correct itself; unknown tools stay a JSON-RPC error.
    for (args, needle) in [
        (json!({"to": "bob", "amount_cents": 0}), ">= 1"),
        (json!({"to": "bob"}), "amount_cents"),
        (json!({"to": 7, "amount_cents": 1}), "type string"),
        (json!({"to": "bob", "amount_cents": "lots"}), "type integer"),
        (
            json!({"to": "bob", "amount_cents": 1, "extra": 1}),
            "`extra`",
        ),
    ] {
        let result = client.call_tool(params("pay", args.clone())).await.unwrap();
        assert_eq!(result.is_error, Some(true), "{args}");
        let text = format!("{:?}", result.content);
        assert!(text.contains(needle), "{args}: {text}");
    }
    let (code, msg) = error_code(
        client
            .call_tool(params("nope", json!({})))
            .await
            .unwrap_err(),
    );
    assert_eq!(code, -32602);
    assert!(msg.contains("unknown tool"), "{msg}");
    assert_eq!(f.runs.load(Ordering::SeqCst), 0);
}

#[test]
fn builder_refuses_contradictions_and_bad_schemas() {
    use sigil::tool::Hints;
    let bad_hint = SigilServer::builder("t", "1")
        .tool(
            ToolDef::new(ToolSpec::new("x", "d", Risk::High).hints(Hints {
                read_only: Some(true),
                ..Hints::default()
            })),
            |_| async { Ok(ToolOutput::default()) },
        )
        .build();
    assert!(bad_hint.unwrap_err().to_string().contains("read-only"));
    let bad_schema = SigilServer::builder("t", "1")
        .tool(
            ToolDef::new(ToolSpec::new("x", "d", Risk::Low))
                .input_schema(json!({"type": "object", "if": {}})),
            |_| async { Ok(ToolOutput::default()) },
        )
        .build();
    assert!(bad_schema.unwrap_err().to_string().contains("if"));
}
