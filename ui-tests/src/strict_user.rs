//! A server written the way a strict user writes one: the crate denies `unused_qualifications`,
//! `missing_docs` and (under clippy) `clippy::pedantic`, and the macros' expansion must not
//! trip any of them. It also imports everything a user might import from `sigil`, so that a
//! generated path that could have been shorter would be flagged.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[allow(unused_imports)]
use sigil::ToolOutput;
use sigil::prelude::*;
use sigil::tool;
#[allow(unused_imports)]
use sigil::tool::{FromGatedCall, GatedCall, Hints, IntoToolOutput, SigilService, ToolSpec};

/// A transfer order.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Transfer {
    /// Destination IBAN (a vault pointer is fine).
    pub to_iban: String,
    /// Amount in cents.
    pub amount_cents: u64,
}

/// What a transfer returns.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Receipt {
    /// Identifier of the transfer.
    pub id: u64,
    /// Amount moved, in cents.
    pub amount_cents: u64,
}

/// An in-memory bank.
#[derive(Debug, Default)]
pub struct Bank {
    balance_cents: AtomicU64,
    next_id: AtomicU64,
    log: Mutex<Vec<String>>,
}

#[sigil::server(name = "bank", version = "1.0")]
impl Bank {
    /// Read the latest e-mails.
    #[sigil::tool(risk = Low)]
    async fn read_email(&self, caller: Caller) -> Result<String, ToolError> {
        let log = self
            .log
            .lock()
            .map_err(|_| ToolError::new("log unavailable"))?;
        Ok(format!("{} has {} e-mails", caller.principal(), log.len()))
    }

    /// Current balance in cents.
    #[sigil::tool(risk = Medium, trust = High, rate = "10/min", idempotent_hint = true)]
    async fn get_balance(&self) -> String {
        self.balance_cents.load(Ordering::Relaxed).to_string()
    }

    /// Transfer money.
    ///
    /// The amount is in cents.
    #[sigil::tool(
        risk = High,
        confirm,
        trust = High,
        scopes = ["bank:transfer"],
        rate = "10/min",
        reveal = [Iban],
        name = "transfer_funds",
        title = "Transfer money",
        read_only_hint = false,
        destructive_hint = true,
        idempotent_hint = false,
        open_world_hint = false
    )]
    async fn transfer(
        &self,
        caller: Caller,
        Parameters(t): Parameters<Transfer>,
    ) -> Result<Json<Receipt>, ToolError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.balance_cents
            .fetch_sub(t.amount_cents, Ordering::Relaxed);
        self.log
            .lock()
            .map_err(|_| ToolError::new("log unavailable"))?
            .push(format!("{} -> {}", caller.principal(), t.to_iban));
        Ok(Json(Receipt {
            id,
            amount_cents: t.amount_cents,
        }))
    }

    /// Close the account.
    #[sigil::tool(risk = Critical)]
    async fn close_account(&self) {
        self.balance_cents.store(0, Ordering::Relaxed);
    }

    /// The bank's opening hours: uses neither `self` nor an extractor, and never awaits.
    #[tool(risk = Low, title = "Opening hours")]
    async fn opening_hours(&self) -> &'static str {
        "9-17"
    }

    /// Not a tool: an ordinary method stays as it is.
    #[must_use]
    pub fn balance(&self) -> u64 {
        self.balance_cents.load(Ordering::Relaxed)
    }
}
