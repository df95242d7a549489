//! Pending approvals: a call waiting for a human outside the agent's reach.
//!
//! The out-of-band flow (DESIGN.md §14): instead of asking through the client the agent drives,
//! the server opens a pending approval under a random id and tells the caller where a human can
//! see it (`/approve/{id}`). The human's tool (the Inspector) shows the call, and posts a decision
//! with the call digest it displayed. When the call runs, the decision is redeemed once, against
//! the real call's digest.
//!
//! Everything goes through the state seam, so that with a shared store the call, the approver's
//! page and the retry may each land on another replica. Records are sealed with the
//! `requestState` key ring (every replica reads it from the key directory): whoever can write to
//! the store can delete a pending approval, never forge, edit or move one, nor approve it.
//!
//! Store keys: `sigil:pending:{id}` (the call), `sigil:decided:{id}` (the first decision wins)
//! and `sigil:once:approval:{id}` (spent when the approved call runs). The id is 128 random bits
//! in hex; it carries no argument and approves nothing by itself.

use std::time::Duration;

use rmcp::model::{RequestStateCodec, SealOptions};
use serde::{Deserialize, Serialize};

use crate::basics::now_secs;
use crate::confirm::gate::{ConfirmRefusal, random_hex16};
use crate::state::{self, SharedState, StateError};

/// The longest reason a denial may give, in characters.
pub const MAX_DENY_REASON_CHARS: usize = 500;

/// A call waiting for a human decision, as the approval page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingCall {
    /// What this sealed record is (domain separation from `requestState`).
    kind: String,
    /// The approval's id: 32 lowercase hex digits.
    pub id: String,
    /// The caller's canonical principal: only the same principal may decide.
    pub principal: String,
    /// The tool.
    pub tool: String,
    /// Hex SHA-256 of the canonical arguments: the approver posts it back.
    pub digest: String,
    /// The call as the confirmation renders it (every argument, in full, made visible).
    pub message: String,
    /// Expiry, seconds since the Unix epoch.
    pub expires_at: u64,
}

/// The call a pending approval is for.
#[derive(Debug, Clone)]
pub struct CallToApprove<'a> {
    /// The caller's canonical principal.
    pub principal: &'a str,
    /// The tool.
    pub tool: &'a str,
    /// Hex SHA-256 of the canonical arguments.
    pub digest: &'a str,
    /// The call as the confirmation renders it.
    pub message: String,
}

/// What a human decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Run the call once, exactly as shown.
    Approve,
    /// Do not run it; the reason goes to the caller and the audit trail.
    Deny {
        /// Why (required, one line, at most [`MAX_DENY_REASON_CHARS`]).
        reason: String,
    },
}

/// The sealed decision record.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionRecord {
    kind: String,
    id: String,
    digest: String,
    by: String,
    approved: bool,
    reason: Option<String>,
}

const PENDING_KIND: &str = "sigil.pending.v1";
const DECISION_KIND: &str = "sigil.decision.v1";

/// Why a decision was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecideRefusal {
    /// No pending approval under this id: unknown, malformed, expired or tampered with.
    NotFound,
    /// The approver is not the caller (the anti-phishing rule).
    OtherPrincipal,
    /// The digest posted is not the pending call's: the page showed another call.
    DigestMismatch,
    /// Someone decided already; the first decision stands.
    AlreadyDecided,
    /// A denial needs a reason: one line of visible text, not too long.
    BadReason,
    /// The store could not be reached: nothing was decided.
    Unavailable(StateError),
}

impl std::fmt::Display for DecideRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound => f.write_str("no pending approval with this id (or it expired)"),
            Self::OtherPrincipal => f.write_str("only the caller may decide on this call"),
            Self::DigestMismatch => f.write_str("the call shown is not the pending call"),
            Self::AlreadyDecided => f.write_str("this call was already decided"),
            Self::BadReason => write!(
                f,
                "a denial needs a reason: one line of visible text, at most {MAX_DENY_REASON_CHARS} characters"
            ),
            Self::Unavailable(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for DecideRefusal {}

/// Where a pending approval stands when its call comes to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeemed {
    /// Approved for exactly this call; now spent.
    Approved,
    /// No decision yet.
    Waiting,
    /// Not approved, with why.
    Refused(ConfirmRefusal),
    /// The store could not be reached: refuse, nothing is spent.
    Unavailable(StateError),
}

/// Pending approvals over a state store, sealed with a `requestState` codec.
#[derive(Clone)]
pub struct PendingApprovals {
    codec: RequestStateCodec,
    store: SharedState,
    ttl: Duration,
}

impl std::fmt::Debug for PendingApprovals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingApprovals")
            .field("store", &self.store.describe())
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// Whether `id` is one we could have made: 32 lowercase hex digits. Anything else never
/// reaches the store.
fn well_formed(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn good_reason(reason: &str) -> bool {
    let visible = reason.trim();
    !visible.is_empty()
        && reason.chars().count() <= MAX_DENY_REASON_CHARS
        && !reason
            .chars()
            .any(|c| c.is_control() || super::is_hidden(c))
}

impl PendingApprovals {
    pub(crate) fn with(codec: RequestStateCodec, store: SharedState, ttl: Duration) -> Self {
        Self { codec, store, ttl }
    }

    /// Opens a pending approval for the call `subject`.
    pub fn open(&self, subject: &CallToApprove<'_>) -> Result<PendingCall, StateError> {
        let id = random_hex16();
        if !well_formed(&id) {
            return Err(StateError::Unavailable {
                what: "the OS random number generator failed".into(),
            });
        }
        let call = PendingCall {
            kind: PENDING_KIND.into(),
            id,
            principal: subject.principal.to_owned(),
            tool: subject.tool.to_owned(),
            digest: subject.digest.to_owned(),
            message: subject.message.clone(),
            expires_at: now_secs() + self.ttl.as_secs(),
        };
        let sealed = self.seal(&call)?;
        if !self.store.put_new(
            &state::key("pending", &call.id),
            sealed.as_bytes(),
            self.ttl,
        )? {
            // 128 random bits collided: the generator is broken. Fail closed.
            return Err(StateError::Protocol(
                "a pending approval id was reused".into(),
            ));
        }
        Ok(call)
    }

    /// The pending call under `id`, if there is one, sealed by us, for this id, not expired.
    pub fn get(&self, id: &str) -> Result<Option<PendingCall>, StateError> {
        if !well_formed(id) {
            return Ok(None);
        }
        let Some(bytes) = self.store.get(&state::key("pending", id))? else {
            return Ok(None);
        };
        let Some(call) = self.open_sealed::<PendingCall>(&bytes) else {
            return Ok(None);
        };
        let good = call.kind == PENDING_KIND && call.id == id && call.expires_at >= now_secs();
        Ok(good.then_some(call))
    }

    /// Records `decision` on the pending call `id`, taken by `approver` after seeing the call
    /// whose digest is `shown_digest`. The first decision stands.
    pub fn decide(
        &self,
        id: &str,
        approver: &str,
        shown_digest: &str,
        decision: Decision,
    ) -> Result<(), DecideRefusal> {
        let call = self
            .get(id)
            .map_err(DecideRefusal::Unavailable)?
            .ok_or(DecideRefusal::NotFound)?;
        if call.principal != approver {
            return Err(DecideRefusal::OtherPrincipal);
        }
        if call.digest != shown_digest {
            return Err(DecideRefusal::DigestMismatch);
        }
        let (approved, reason) = match decision {
            Decision::Approve => (true, None),
            Decision::Deny { reason } if good_reason(&reason) => {
                (false, Some(reason.trim().to_owned()))
            }
            Decision::Deny { .. } => return Err(DecideRefusal::BadReason),
        };
        let record = DecisionRecord {
            kind: DECISION_KIND.into(),
            id: call.id.clone(),
            digest: call.digest.clone(),
            by: approver.to_owned(),
            approved,
            reason,
        };
        let sealed = self.seal(&record).map_err(DecideRefusal::Unavailable)?;
        let ttl = remaining(call.expires_at);
        match self
            .store
            .put_new(&state::key("decided", id), sealed.as_bytes(), ttl)
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(DecideRefusal::AlreadyDecided),
            Err(e) => Err(DecideRefusal::Unavailable(e)),
        }
    }

    /// Where the approval `id` stands for the call `subject` that is about to run. An approval
    /// is redeemed once, and only for the call it was opened for, with the digest compared
    /// again against the real call.
    pub fn redeem(&self, id: &str, subject: &CallToApprove<'_>) -> Redeemed {
        let call = match self.get(id) {
            Ok(Some(call)) => call,
            Ok(None) => return Redeemed::Refused(ConfirmRefusal::Expired),
            Err(e) => return Redeemed::Unavailable(e),
        };
        if call.principal != subject.principal
            || call.tool != subject.tool
            || call.digest != subject.digest
        {
            return Redeemed::Refused(ConfirmRefusal::Mismatch);
        }
        let record = match self.store.get(&state::key("decided", id)) {
            Ok(Some(bytes)) => self.open_sealed::<DecisionRecord>(&bytes),
            Ok(None) => return Redeemed::Waiting,
            Err(e) => return Redeemed::Unavailable(e),
        };
        let Some(record) = record else {
            return Redeemed::Refused(ConfirmRefusal::Mismatch);
        };
        if record.kind != DECISION_KIND
            || record.id != id
            || record.digest != subject.digest
            || record.by != subject.principal
        {
            return Redeemed::Refused(ConfirmRefusal::Mismatch);
        }
        if !record.approved {
            return Redeemed::Refused(ConfirmRefusal::Declined);
        }
        let spend = self.store.put_new(
            &state::key("once:approval", id),
            b"",
            remaining(call.expires_at),
        );
        match spend {
            Ok(true) => Redeemed::Approved,
            Ok(false) => Redeemed::Refused(ConfirmRefusal::Replayed),
            Err(e) => Redeemed::Unavailable(e),
        }
    }

    fn seal<T: Serialize>(&self, value: &T) -> Result<String, StateError> {
        self.codec
            .seal_json_with(value, &SealOptions::new().ttl(self.ttl))
            .map_err(|e| StateError::Protocol(format!("sealing a pending approval: {e}")))
    }

    fn open_sealed<T: serde::de::DeserializeOwned>(&self, bytes: &[u8]) -> Option<T> {
        let text = std::str::from_utf8(bytes).ok()?;
        self.codec.open_json(text).ok()
    }
}

/// The time left until `expires_at`, plus a second so that a marker outlives its record.
fn remaining(expires_at: u64) -> Duration {
    Duration::from_secs(expires_at.saturating_sub(now_secs()) + 1)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::state::{MemoryState, StateStore};

    fn approvals(store: Arc<MemoryState>) -> PendingApprovals {
        let codec = RequestStateCodec::try_new(vec![7u8; 32]).unwrap();
        PendingApprovals::with(codec, store, Duration::from_secs(300))
    }

    fn subject<'a>(digest: &'a str) -> CallToApprove<'a> {
        CallToApprove {
            principal: "oidc:ann",
            tool: "transfer_funds",
            digest,
            message: "transfer_funds\n  to: DE89…".into(),
        }
    }

    #[test]
    fn an_approval_runs_the_exact_call_once() {
        let p = approvals(Arc::new(MemoryState::new()));
        let call = p.open(&subject("d1")).unwrap();
        assert_eq!(p.redeem(&call.id, &subject("d1")), Redeemed::Waiting);
        p.decide(&call.id, "oidc:ann", "d1", Decision::Approve)
            .unwrap();
        assert_eq!(p.redeem(&call.id, &subject("d1")), Redeemed::Approved);
        assert_eq!(
            p.redeem(&call.id, &subject("d1")),
            Redeemed::Refused(ConfirmRefusal::Replayed)
        );
    }

    #[test]
    fn a_denial_needs_a_reason_and_does_not_run() {
        let p = approvals(Arc::new(MemoryState::new()));
        let call = p.open(&subject("d1")).unwrap();
        for bad in ["", "   ", "no\nreally", "ok\u{202e}", &"x".repeat(501)] {
            let deny = Decision::Deny { reason: bad.into() };
            assert_eq!(
                p.decide(&call.id, "oidc:ann", "d1", deny),
                Err(DecideRefusal::BadReason),
                "{bad:?}"
            );
        }
        let deny = Decision::Deny {
            reason: "wrong account".into(),
        };
        p.decide(&call.id, "oidc:ann", "d1", deny).unwrap();
        assert_eq!(
            p.redeem(&call.id, &subject("d1")),
            Redeemed::Refused(ConfirmRefusal::Declined)
        );
        // The first decision stands.
        assert_eq!(
            p.decide(&call.id, "oidc:ann", "d1", Decision::Approve),
            Err(DecideRefusal::AlreadyDecided)
        );
    }

    #[test]
    fn another_principal_a_swapped_digest_or_another_call_are_refused() {
        let p = approvals(Arc::new(MemoryState::new()));
        let call = p.open(&subject("d1")).unwrap();
        assert_eq!(
            p.decide(&call.id, "oidc:bob", "d1", Decision::Approve),
            Err(DecideRefusal::OtherPrincipal)
        );
        assert_eq!(
            p.decide(&call.id, "oidc:ann", "d2", Decision::Approve),
            Err(DecideRefusal::DigestMismatch)
        );
        p.decide(&call.id, "oidc:ann", "d1", Decision::Approve)
            .unwrap();
        // The approval does not carry over to other arguments.
        assert_eq!(
            p.redeem(&call.id, &subject("d2")),
            Redeemed::Refused(ConfirmRefusal::Mismatch)
        );
        assert_eq!(p.redeem(&call.id, &subject("d1")), Redeemed::Approved);
    }

    #[test]
    fn forged_ids_never_reach_the_store() {
        let p = approvals(Arc::new(MemoryState::new()));
        let call = p.open(&subject("d1")).unwrap();
        let upper = call.id.to_ascii_uppercase();
        let padded = format!(" {}", call.id);
        let newline = format!("{}\n", call.id);
        let short = call.id[..31].to_owned();
        for id in [upper, padded, newline, short, "*".into(), "../x".into()] {
            assert_eq!(p.get(&id), Ok(None), "{id:?}");
            assert_eq!(
                p.decide(&id, "oidc:ann", "d1", Decision::Approve),
                Err(DecideRefusal::NotFound)
            );
        }
    }

    #[test]
    fn whoever_writes_to_the_store_cannot_forge_move_or_approve() {
        let store = Arc::new(MemoryState::new());
        let p = approvals(store.clone());
        let a = p.open(&subject("d1")).unwrap();
        let b = p.open(&subject("d2")).unwrap();
        let ttl = Duration::from_secs(60);
        // A record copied under another id is refused.
        let sealed_a = store.get(&state::key("pending", &a.id)).unwrap().unwrap();
        store
            .put(&[(&state::key("pending", &b.id), &sealed_a)], ttl)
            .unwrap();
        assert_eq!(p.get(&b.id), Ok(None));
        // An edited record is refused.
        let mut edited = sealed_a.clone();
        let last = edited.len() - 2;
        edited[last] ^= 1;
        store
            .put(&[(&state::key("pending", &a.id), &edited)], ttl)
            .unwrap();
        assert_eq!(p.get(&a.id), Ok(None));
        store
            .put(&[(&state::key("pending", &a.id), &sealed_a)], ttl)
            .unwrap();
        // A decision written by hand, or sealed under another key, approves nothing.
        store
            .put(
                &[(&state::key("decided", &a.id), b"{\"approved\":true}")],
                ttl,
            )
            .unwrap();
        assert_eq!(
            p.redeem(&a.id, &subject("d1")),
            Redeemed::Refused(ConfirmRefusal::Mismatch)
        );
        let foreign = PendingApprovals::with(
            RequestStateCodec::try_new(vec![9u8; 32]).unwrap(),
            Arc::new(MemoryState::new()),
            Duration::from_secs(300),
        );
        let record = DecisionRecord {
            kind: DECISION_KIND.into(),
            id: a.id.clone(),
            digest: "d1".into(),
            by: "oidc:ann".into(),
            approved: true,
            reason: None,
        };
        let forged = foreign.seal(&record).unwrap();
        store
            .put(&[(&state::key("decided", &a.id), forged.as_bytes())], ttl)
            .unwrap();
        assert_eq!(
            p.redeem(&a.id, &subject("d1")),
            Redeemed::Refused(ConfirmRefusal::Mismatch)
        );
    }

    #[test]
    fn an_expired_approval_is_gone() {
        let codec = RequestStateCodec::try_new(vec![7u8; 32]).unwrap();
        let p = PendingApprovals::with(codec, Arc::new(MemoryState::new()), Duration::ZERO);
        let call = p.open(&subject("d1")).unwrap();
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(p.get(&call.id), Ok(None));
        assert_eq!(
            p.redeem(&call.id, &subject("d1")),
            Redeemed::Refused(ConfirmRefusal::Expired)
        );
    }
}
