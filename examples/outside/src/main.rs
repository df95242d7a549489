use sigil::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Transfer {
    /// Destination IBAN.
    to_iban: String,
    /// Amount in cents, at least 1.
    #[schemars(range(min = 1))]
    amount_cents: u64,
}

struct Bank;

#[sigil::server(name = "my-bank", version = "0.1.0")]
impl Bank {
    /// Show the balance.
    #[sigil::tool(risk = Low)]
    async fn balance(&self) -> Result<String, ToolError> {
        Ok("1000.00 EUR".into())
    }

    /// Move money. The caller needs trust High, and a human approves this exact call.
    #[sigil::tool(risk = High, confirm, reveal = [Iban])]
    async fn transfer(&self, Parameters(t): Parameters<Transfer>) -> Result<String, ToolError> {
        Ok(format!("sent {} cents to {}", t.amount_cents, t.to_iban))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    SigilServer::for_service(Bank)
        .default_caller(Caller::local("me", TrustLevel::High))
        .build()?
        .serve_stdio()
        .await?;
    Ok(())
}
