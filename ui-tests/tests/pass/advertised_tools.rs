// What the generated descriptors become once the runtime registers them: the names, the
// description from the doc comment, the input schema from `Parameters<T>` (with T's fields),
// the output schema from `Json<T>`, annotations derived from the risk, and risk and trust in
// `_meta`.
use serde_json::{Value, json};
use sigil::prelude::*;
use sigil::server::{Dangerous, SigilServer};

#[derive(Deserialize, JsonSchema)]
struct Transfer {
    /// Destination IBAN (a vault pointer is fine).
    to_iban: String,
    /// Amount in cents.
    amount_cents: u64,
}

#[derive(Serialize, JsonSchema)]
struct Receipt {
    id: u64,
}

struct Bank;

#[sigil::server(name = "bank", version = "1.0")]
impl Bank {
    /// Read the latest e-mails.
    #[sigil::tool(risk = Low)]
    async fn read_email(&self, caller: Caller) -> Result<String, ToolError> {
        Ok(caller.principal().to_string())
    }

    /// Transfer money.
    #[sigil::tool(risk = High, confirm, scopes = ["bank:transfer"], name = "transfer_funds", title = "Transfer money")]
    async fn transfer(
        &self,
        caller: Caller,
        Parameters(t): Parameters<Transfer>,
    ) -> Result<Json<Receipt>, ToolError> {
        let _ = (caller, t.to_iban, t.amount_cents);
        Ok(Json(Receipt { id: 1 }))
    }
}

fn main() {
    let server = SigilServer::for_service(Bank)
        .dangerous(Dangerous::NoScanning)
        .dangerous(Dangerous::MemoryAudit)
        .build()
        .expect("the tools register");
    let tools: Vec<Value> = server
        .tools()
        .iter()
        .map(|t| serde_json::to_value(t).expect("a tool serializes"))
        .collect();
    assert_eq!(tools.len(), 2);

    let read = &tools[0];
    assert_eq!(read["name"], "read_email");
    assert_eq!(read["description"], "Read the latest e-mails.");
    assert_eq!(read["inputSchema"]["type"], "object");
    assert_eq!(read["inputSchema"]["properties"], json!({}));
    assert_eq!(read["annotations"]["readOnlyHint"], true);
    assert_eq!(read["_meta"]["org.sigil-protocol/risk"], "low");

    let transfer = &tools[1];
    assert_eq!(transfer["name"], "transfer_funds");
    assert_eq!(transfer["title"], "Transfer money");
    let properties = &transfer["inputSchema"]["properties"];
    assert_eq!(properties["to_iban"]["type"], "string", "{transfer}");
    assert_eq!(properties["amount_cents"]["type"], "integer", "{transfer}");
    assert_eq!(
        properties["to_iban"]["description"],
        "Destination IBAN (a vault pointer is fine)."
    );
    assert_eq!(
        transfer["inputSchema"]["required"],
        json!(["to_iban", "amount_cents"])
    );
    assert_eq!(
        transfer["outputSchema"]["properties"]["id"]["type"],
        "integer",
        "{transfer}"
    );
    assert_eq!(transfer["annotations"]["destructiveHint"], true);
    assert_eq!(transfer["annotations"]["readOnlyHint"], false);
    assert_eq!(transfer["_meta"]["org.sigil-protocol/risk"], "high");
    assert_eq!(transfer["_meta"]["org.sigil-protocol/trust"], "high");
    assert_eq!(transfer["_meta"]["org.sigil-protocol/confirm"], true);
    assert_eq!(
        transfer["_meta"]["org.sigil-protocol/scopes"],
        json!(["bank:transfer"])
    );
}
