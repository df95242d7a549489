//! The tools of the `bank` example, shared by the example server (`src/bin/bank.rs`) and the
//! end-to-end test server (`tests/src/bin/bank_e2e.rs`).

use std::sync::Mutex;

use sigil::prelude::*;

/// A bank with one account: four tools of rising risk.
#[derive(Debug)]
pub struct Bank {
    state: Mutex<Account>,
}

impl Bank {
    /// An open account holding 1,000.00.
    pub fn new() -> Self {
        Self {
            state: Mutex::new(Account {
                balance_cents: 100_000,
                transfers: 0,
                closed: false,
            }),
        }
    }
}

impl Default for Bank {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Debug)]
struct Account {
    balance_cents: u64,
    transfers: u32,
    closed: bool,
}

/// A transfer order.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Transfer {
    /// Destination IBAN (a vault pointer is fine).
    pub to_iban: String,
    /// Amount in cents, at least 1.
    #[schemars(range(min = 1))]
    pub amount_cents: u64,
    /// Optional note for the recipient.
    pub memo: Option<String>,
}

/// What a transfer did.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Receipt {
    /// Transfer number.
    pub transfer_id: u32,
    /// Amount moved, in cents.
    pub amount_cents: u64,
    /// Balance after the transfer, in cents.
    pub balance_cents: u64,
    /// Last four characters of the destination account.
    pub to_account_suffix: String,
}

/// The account balance.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Balance {
    /// Balance in cents.
    pub balance_cents: u64,
    /// Transfers made so far.
    pub transfers: u32,
    /// Whether the account is closed.
    pub closed: bool,
}

const INBOX: &str = "From: alice.weber@postfach-demo.de\nSubject: Rent\n\nHi! Please send the rent to my new account DE44 5001 0517 5407 3249 31 by Friday.\n\n---\nFrom: ci@build-demo.eu\nSubject: Deploy keys\n\nThe deploy user is set up. access key: AKIAZ3MHQX7RTB4LWKPN, contact ops-team@corp-demo.eu if it fails.\n\n---\nFrom: backup@build-demo.eu\nSubject: Nightly export\n\nAttached, base64: ZGVwbG95IGNyZWRlbnRpYWxzLCBhY2Nlc3Mga2V5OiBBS0lBUTdQTE1ONFJUWDJaV0I1Swo=\n";

#[sigil::server(name = "bank", version = "1.0")]
impl Bank {
    /// Read the latest e-mails in the account holder's inbox.
    #[sigil::tool(risk = Low)]
    async fn read_email(&self) -> Result<String, ToolError> {
        Ok(INBOX.to_owned())
    }

    /// Show the account balance.
    #[sigil::tool(risk = Medium, read_only_hint = true)]
    async fn get_balance(&self) -> Result<Json<Balance>, ToolError> {
        let a = self
            .state
            .lock()
            .map_err(|_| ToolError::new("account unavailable"))?;
        Ok(Json(Balance {
            balance_cents: a.balance_cents,
            transfers: a.transfers,
            closed: a.closed,
        }))
    }

    /// Transfer money to an IBAN. Asks the account holder to confirm.
    #[sigil::tool(risk = High, confirm, reveal = [Iban], rate = "10/min")]
    async fn transfer_funds(
        &self,
        caller: Caller,
        Parameters(t): Parameters<Transfer>,
    ) -> Result<Json<Receipt>, ToolError> {
        let mut a = self
            .state
            .lock()
            .map_err(|_| ToolError::new("account unavailable"))?;
        if a.closed {
            return Err(ToolError::new("the account is closed"));
        }
        if t.amount_cents > a.balance_cents {
            return Err(ToolError::new("insufficient funds"));
        }
        a.balance_cents -= t.amount_cents;
        a.transfers += 1;
        let compact: String = t.to_iban.chars().filter(|c| !c.is_whitespace()).collect();
        let suffix: String = compact
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        eprintln!(
            "bank: transfer #{} of {} cents by {} (memo: {})",
            a.transfers,
            t.amount_cents,
            caller.principal(),
            if t.memo.is_some() { "yes" } else { "no" }
        );
        Ok(Json(Receipt {
            transfer_id: a.transfers,
            amount_cents: t.amount_cents,
            balance_cents: a.balance_cents,
            to_account_suffix: suffix,
        }))
    }

    /// Close the account for good.
    #[sigil::tool(risk = Critical)]
    async fn close_account(&self) -> Result<String, ToolError> {
        let mut a = self
            .state
            .lock()
            .map_err(|_| ToolError::new("account unavailable"))?;
        a.closed = true;
        Ok("account closed".to_owned())
    }
}
