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
