//! `ops`: a server whose tools are known only at run time, built with `SigilServer::builder`.
//! The same pipeline as for macro-built tools: the restart needs trust High and a human's
//! confirmation of the exact service name.
//!
//! ```text
//! cargo run -p sigil-examples --bin ops
//! ```

use serde_json::json;
use sigil::ToolOutput;
use sigil::prelude::*;
use sigil::server::ToolDef;
use sigil::tool::ToolSpec;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let restart =
        ToolDef::new(ToolSpec::new("restart", "Restart a service.", Risk::High).confirm())
            .input_schema(json!({
                "type": "object",
                "properties": {"name": {"type": "string", "description": "The service."}},
                "required": ["name"],
            }));
    let status = ToolDef::new(ToolSpec::new("status", "Which services run.", Risk::Low));
    SigilServer::builder("ops", "1.0")
        .tool(status, |_call| async {
            Ok(ToolOutput::text("web: up, db: up"))
        })
        .tool(restart, |call| async move {
            let name = call.arguments()["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            Ok(ToolOutput::text(format!("restarted {name}")))
        })
        .default_caller(Caller::local("operator", TrustLevel::High))
        .build()?
        .serve_stdio()
        .await?;
    Ok(())
}
