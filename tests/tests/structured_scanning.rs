//! Rules anchored on a key fire on structured data too: a secret under
//! `"aws_secret_access_key"` in a tool's structured result is vaulted, with its key kept. The
//! same value under an ordinary key is left alone (alone, it is only 40 characters of the base64
//! alphabet, which no rule claims).

use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};
use sigil::server::{Dangerous, SigilServer, ToolDef};
use sigil::tool::ToolSpec;
use sigil::{Caller, Risk, ToolOutput, TrustLevel};
use sigil_tests::{Answer, connect};

const SECRET: &str = "q8Zt3Vn0Lw5Rk2Yp7Hs9Jd4Mf6Gb1Xc/Ua+Ee0Ti";

#[tokio::test]
async fn a_key_anchored_secret_in_structured_content_is_vaulted() {
    let dir = tempfile::tempdir().unwrap();
    let server = SigilServer::builder("structured", "1.0")
        .default_caller(Caller::local("ann", TrustLevel::Low))
        .tool(
            ToolDef::new(ToolSpec::new(
                "credentials",
                "The deploy credentials.",
                Risk::Low,
            )),
            |_call| async {
                Ok(ToolOutput::structured(json!({
                    "deploy": {"aws_secret_access_key": SECRET, "region": "eu-central-1"},
                    "note": SECRET,
                })))
            },
        )
        .data_dir(dir.path())
        .dangerous(Dangerous::MemoryAudit)
        .build()
        .expect("builds");
    let (client, _) = connect(server, Answer::Approve).await;
    let result = client
        .call_tool(CallToolRequestParams::new("credentials"))
        .await
        .unwrap();
    let structured: Value = result
        .structured_content
        .clone()
        .expect("structured content");
    let under_key = structured["deploy"]["aws_secret_access_key"]
        .as_str()
        .unwrap();
    assert!(
        under_key.starts_with("[SIGIL-VAULT: CLOUD_KEY:"),
        "the key-anchored secret reached the client: {structured}"
    );
    assert_eq!(structured["deploy"]["region"], "eu-central-1");
    assert_eq!(
        structured["note"], SECRET,
        "without its key the value is no finding"
    );
    client.cancel().await.unwrap();
}

/// A card number sent as a JSON number is content too: it comes back as its pointer (a string).
#[tokio::test]
async fn a_card_number_sent_as_a_json_number_is_vaulted() {
    let dir = tempfile::tempdir().unwrap();
    let server = SigilServer::builder("structured", "1.0")
        .default_caller(Caller::local("ann", TrustLevel::Low))
        .tool(
            ToolDef::new(ToolSpec::new("card", "The card on file.", Risk::Low)),
            |_call| async {
                Ok(ToolOutput::structured(
                    json!({"card": 5_304_091_244_249_976_u64, "count": 2}),
                ))
            },
        )
        .data_dir(dir.path())
        .dangerous(Dangerous::MemoryAudit)
        .build()
        .expect("builds");
    let (client, _) = connect(server, Answer::Approve).await;
    let result = client
        .call_tool(CallToolRequestParams::new("card"))
        .await
        .unwrap();
    let structured = result.structured_content.clone().expect("structured");
    let card = structured["card"].as_str().unwrap_or_default();
    assert!(
        card.starts_with("[SIGIL-VAULT: CARD:"),
        "the card number reached the client: {structured}"
    );
    assert_eq!(structured["count"], 2, "other numbers are left alone");
    let text = format!("{:?}", result.content);
    assert!(
        !text.contains("5304091244249976"),
        "the text block leaked it: {text}"
    );
    client.cancel().await.unwrap();
}

/// A secret used as an argument's key, and one in the request's `_meta`, are found on the way
/// in: the audit record of the call names the rule, and never the value.
#[tokio::test]
async fn a_secret_as_an_argument_key_and_in_meta_reach_the_audit_as_rules() {
    const KEY_ID: &str = "AKIAQWERTYUIOPASDFGH";
    let dir = tempfile::tempdir().unwrap();
    let server = SigilServer::builder("structured", "1.0")
        .default_caller(Caller::local("ann", TrustLevel::Low))
        .tool(
            ToolDef::new(ToolSpec::new("set_env", "Sets variables.", Risk::Low)).input_schema(
                json!({
                    "type": "object",
                    "properties": {"env": {"type": "object", "additionalProperties": {"type": "string"}}},
                    "required": ["env"],
                    "additionalProperties": false
                }),
            ),
            |_call| async { Ok(ToolOutput::text("set")) },
        )
        .data_dir(dir.path())
        .build()
        .expect("builds");
    let (client, _) = connect(server, Answer::Approve).await;
    for (args, meta) in [
        (json!({"env": {KEY_ID: "x"}}), json!({})),
        (
            json!({"env": {"A": "b"}}),
            json!({"note": format!("aws key {KEY_ID}")}),
        ),
    ] {
        let mut params =
            CallToolRequestParams::new("set_env").with_arguments(args.as_object().unwrap().clone());
        params.meta = Some(rmcp::model::RequestMetaObject(rmcp::model::MetaObject(
            meta.as_object().unwrap().clone(),
        )));
        let result = client.call_tool(params).await.unwrap();
        assert_eq!(result.is_error, Some(false), "{result:?}");
    }
    client.cancel().await.unwrap();
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(!log.contains(KEY_ID), "the key id reached the audit log");
    let calls: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["event"] == "tool_result")
        .collect();
    assert_eq!(calls.len(), 2, "{log}");
    for call in &calls {
        assert_eq!(call["rules"]["aws-access-key-id"], 1, "{call}");
    }
}
