// Every key of `#[sigil::tool]` at once, and what it turns into.
use sigil::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Transfer {
    to_iban: String,
    amount_cents: u64,
}

#[derive(Serialize, JsonSchema)]
struct Receipt {
    amount_cents: u64,
}

struct Bank;

#[sigil::server(name = "bank", version = "1.0")]
impl Bank {
    /// Doc comments are overridden by `description`.
    #[sigil::tool(
        risk = High,
        confirm,
        trust = High,
        scopes = ["bank:transfer", "bank:read"],
        rate = "10/min",
        reveal = [Iban, Bic],
        name = "transfer_funds",
        title = "Transfer money",
        description = "Transfers money to an IBAN.",
        read_only_hint = false,
        destructive_hint = true,
        idempotent_hint = false,
        open_world_hint = true,
    )]
    async fn transfer(
        &self,
        caller: Caller,
        Parameters(t): Parameters<Transfer>,
    ) -> Result<Json<Receipt>, ToolError> {
        let _ = (caller, t.to_iban);
        Ok(Json(Receipt {
            amount_cents: t.amount_cents,
        }))
    }
}

fn main() {
    let identity = <Bank as sigil::tool::SigilService>::server_identity();
    assert_eq!(identity.name, "bank");
    assert_eq!(identity.version, "1.0");

    let tools = <Bank as sigil::tool::SigilService>::tools();
    assert_eq!(tools.len(), 1);
    let entry = format!("{:?}", tools[0]);
    for expected in [
        "name: \"transfer_funds\"",
        "title: Some(\"Transfer money\")",
        "description: \"Transfers money to an IBAN.\"",
        "risk: High",
        "confirm: true",
        "trust: Some(High)",
        "scopes: [\"bank:transfer\", \"bank:read\"]",
        "rate: Some(Rate { count: 10, per: 60s })",
        "reveal: [Iban, Bic]",
        "read_only: Some(false), destructive: Some(true), idempotent: Some(false), open_world: Some(true)",
    ] {
        assert!(entry.contains(expected), "{expected} not in {entry}");
    }
}
