//! A server built with no choices scans and keeps a durable, signed audit log; giving either up
//! takes an explicit `dangerous` step, and a server that cannot set a default up does not start.

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use rmcp::model::CallToolRequestParams;
use sigil::audit::MemoryAudit;
use sigil::server::{BuildError, Dangerous, SigilServer, SigilServerBuilder, ToolDef};
use sigil::tool::NoGuard;
use sigil::tool::ToolSpec;
use sigil::{Caller, Risk, ToolOutput, TrustLevel};
use sigil_tests::{Answer, connect};

const IBAN: &str = "DE89370400440532013000";

fn leaky_server() -> SigilServerBuilder {
    SigilServer::builder("defaults", "1.0")
        .default_caller(Caller::local("ann", TrustLevel::Low))
        .tool(
            ToolDef::new(ToolSpec::new("statement", "The account.", Risk::Low)),
            |_call| async { Ok(ToolOutput::text(format!("pay to {IBAN} today"))) },
        )
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn with_no_choices_results_are_scanned_and_the_audit_log_is_durable() {
    let dir = tempfile::tempdir().unwrap();
    let server = leaky_server().data_dir(dir.path()).build().expect("builds");
    let (client, _) = connect(server, Answer::Approve).await;
    let result = client
        .call_tool(CallToolRequestParams::new("statement"))
        .await
        .unwrap();
    let text = serde_json::to_string(&result.content).unwrap();
    assert!(!text.contains(IBAN), "the IBAN reached the client: {text}");
    assert!(
        text.contains("[SIGIL-VAULT: IBAN:"),
        "no pointer in its place: {text}"
    );
    client.cancel().await.unwrap();

    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).expect("the audit log");
    assert!(log.contains("call_allowed"), "{log}");
    assert!(log.contains("statement"), "{log}");
    assert!(!log.contains(IBAN), "the audit log holds the IBAN");
    assert_eq!(mode(&dir.path().join("audit.jsonl")), 0o600);
    assert_eq!(mode(&dir.path().join("vault.key")), 0o600);
    assert_eq!(mode(&dir.path().join("audit-signing.key")), 0o600);
}

#[test]
fn giving_up_a_default_without_saying_so_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = leaky_server()
        .data_dir(dir.path())
        .guard(NoGuard)
        .build()
        .unwrap_err();
    assert!(
        matches!(err, BuildError::Undeclared(Dangerous::NoScanning)),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains(".dangerous(Dangerous::NoScanning)"),
        "{err}"
    );
    let err = leaky_server()
        .data_dir(dir.path())
        .audit(Arc::new(MemoryAudit::new()))
        .build()
        .unwrap_err();
    assert!(
        matches!(err, BuildError::Undeclared(Dangerous::MemoryAudit)),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains(".dangerous(Dangerous::MemoryAudit)"),
        "{err}"
    );
}

#[tokio::test]
async fn the_dangerous_steps_give_up_exactly_what_they_say() {
    let dir = tempfile::tempdir().unwrap();
    let server = leaky_server()
        .data_dir(dir.path())
        .dangerous(Dangerous::NoScanning)
        .dangerous(Dangerous::MemoryAudit)
        .build()
        .expect("builds");
    let (client, _) = connect(server, Answer::Approve).await;
    let result = client
        .call_tool(CallToolRequestParams::new("statement"))
        .await
        .unwrap();
    let text = serde_json::to_string(&result.content).unwrap();
    assert!(
        text.contains(IBAN),
        "nothing scans, so the value passes: {text}"
    );
    client.cancel().await.unwrap();
    let written: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(
        written.is_empty(),
        "nothing is written to disk: {written:?}"
    );
}

#[test]
fn a_default_that_cannot_be_set_up_stops_the_build() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_dir = dir.path().join("file");
    std::fs::write(&not_a_dir, b"x").unwrap();
    let err = leaky_server().data_dir(&not_a_dir).build().unwrap_err();
    assert!(matches!(err, BuildError::Defaults(_)), "{err:?}");
}

#[test]
fn the_banner_lists_what_the_caller_sees_and_what_is_hidden_and_why() {
    use sigil::server::Served;
    let server = leaky_server()
        .tool(
            ToolDef::new(ToolSpec::new("pay", "Move money.", Risk::High).confirm()),
            |_call| async { Ok(ToolOutput::text("paid")) },
        )
        .dangerous(Dangerous::NoScanning)
        .dangerous(Dangerous::MemoryAudit)
        .build()
        .expect("builds");
    let banner = server.banner(Served::Stdio);
    assert!(
        banner.starts_with("defaults 1.0: SIGIL-secured MCP server on stdio\n"),
        "{banner}"
    );
    assert!(
        banner.contains("caller:   local:ann, trust low"),
        "{banner}"
    );
    assert!(banner.contains("tools:    statement\n"), "{banner}");
    assert!(
        banner.contains("hidden:   pay (needs trust high)"),
        "{banner}"
    );
    assert!(
        banner.contains("scanning: off (Dangerous::NoScanning)"),
        "{banner}"
    );
    assert!(banner.contains("audit:    in memory only"), "{banner}");
    let http = server.banner(Served::Http("http://127.0.0.1:8080/mcp"));
    assert!(
        http.contains("on Streamable HTTP at http://127.0.0.1:8080/mcp"),
        "{http}"
    );
    assert!(
        http.contains("point an MCP client at http://127.0.0.1:8080/mcp"),
        "{http}"
    );
}

/// A store that says it is shared, as Redis does (the refusal below happens before any call).
struct SharedStub;

impl sigil::state::StateStore for SharedStub {
    fn put(
        &self,
        _: &[(&str, &[u8])],
        _: std::time::Duration,
    ) -> Result<(), sigil::state::StateError> {
        Ok(())
    }
    fn get(&self, _: &str) -> Result<Option<Vec<u8>>, sigil::state::StateError> {
        Ok(None)
    }
    fn put_new(
        &self,
        _: &str,
        _: &[u8],
        _: std::time::Duration,
    ) -> Result<bool, sigil::state::StateError> {
        Ok(true)
    }
    fn take_token(
        &self,
        _: &str,
        _: u32,
        _: std::time::Duration,
    ) -> Result<bool, sigil::state::StateError> {
        Ok(true)
    }
    fn is_shared(&self) -> bool {
        true
    }
    fn describe(&self) -> String {
        "a shared stub".to_owned()
    }
}

#[test]
fn a_shared_store_without_a_key_directory_does_not_start() {
    let dir = tempfile::tempdir().unwrap();
    let err = leaky_server()
        .data_dir(dir.path())
        .state(Arc::new(SharedStub))
        .build()
        .expect_err("a replica must not invent its own keys");
    assert!(matches!(err, BuildError::State(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("sigil keygen --out"), "{text}");
    // Nothing was created in the data directory: no vault key, no audit keys of its own.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // A key directory in sigil.toml that does not load stops the build too.
    let config =
        sigil::config::SigilConfig::parse("[state]\nkeys = \"/nonexistent/keys\"\n").unwrap();
    let err = leaky_server()
        .data_dir(dir.path())
        .config(config)
        .build()
        .expect_err("an unusable key directory stops the build");
    assert!(err.to_string().contains("/nonexistent/keys"), "{err}");
}
