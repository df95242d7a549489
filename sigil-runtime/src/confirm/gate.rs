//! The confirmation gate, in both protocol eras.
//!
//! - Legacy sessions (`initialize`, before 2026-07-28): the server sends `elicitation/create`
//!   in the middle of the call and waits for the answer.
//! - 2026-07-28 (stateless): the call returns `InputRequiredResult` with the elicitation and a
//!   sealed `requestState`; the client retries with `inputResponses`. The state binds principal,
//!   tool, argument digest, nonce and expiry; the nonce is spent once, server side.

use std::sync::Arc;
use std::time::Duration;

use rmcp::model::{
    ElicitRequest, ElicitRequestParams, ElicitResult, ElicitationAction, ElicitationSchema,
    InputRequest, InputRequests, InputResponses,
};
use rmcp::model::{RequestStateCodec, SealOptions};
use rmcp::service::{Peer, RoleServer};

use crate::basics::now_secs;
use crate::confirm::state::ConfirmBinding;
use crate::state::{self, MemoryState, SharedState, StateError};

/// The key under which our elicitation travels in `inputRequests` / `inputResponses`.
pub const INPUT_KEY: &str = "sigil_confirm";

/// How a confirmation ended, when it did not approve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmRefusal {
    /// The human said no.
    Declined,
    /// The human dismissed the request.
    Cancelled,
    /// No answer in time, or the sealed state expired.
    Expired,
    /// The approval was already spent (a replayed `requestState`).
    Replayed,
    /// The state does not belong to this call (other principal, tool or arguments) or is forged.
    Mismatch,
    /// The client cannot ask a human (no elicitation capability).
    Unavailable,
}

impl ConfirmRefusal {
    /// Words for the caller and the audit trail.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Declined => "the user declined the confirmation",
            Self::Cancelled => "the user cancelled the confirmation",
            Self::Expired => "the confirmation expired",
            Self::Replayed => "this confirmation was already used",
            Self::Mismatch => "the confirmation does not match this call",
            Self::Unavailable => "the client cannot ask for confirmation (no elicitation support)",
        }
    }
}

/// What the gate needs to know about the call being confirmed.
#[derive(Debug, Clone)]
pub(crate) struct ConfirmSubject<'a> {
    pub(crate) principal: &'a str,
    pub(crate) tool: &'a str,
    pub(crate) digest: &'a str,
    pub(crate) message: String,
}

/// Seals states; remembers spent nonces in the state store, so that with a shared store an
/// approval spent on one replica is spent on all.
pub(crate) struct ConfirmGate {
    codec: RequestStateCodec,
    ttl: Duration,
    spent: SharedState,
}

impl std::fmt::Debug for ConfirmGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfirmGate")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// Outcome of looking at a retried 2026-07-28 call.
pub(crate) enum Mrtr {
    /// Ask: return this `InputRequiredResult` content.
    Ask {
        requests: InputRequests,
        state: String,
    },
    /// The human approved this exact call; the nonce is now spent.
    Approved,
    /// Refused.
    Refused(ConfirmRefusal),
    /// The store of spent nonces could not be reached: refuse, the approval stays unspent.
    Unavailable(StateError),
}

pub(super) fn random_hex16() -> String {
    let mut b = [0u8; 16];
    // The OS RNG failing is not something to continue through: no nonce, no confirmation.
    if getrandom::fill(&mut b).is_err() {
        return String::new();
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn schema() -> ElicitationSchema {
    ElicitationSchema::builder()
        .required_bool_property("approve", |b| {
            b.description("true runs the tool once with exactly these arguments")
        })
        .build_unchecked()
}

fn form(message: String) -> ElicitRequestParams {
    ElicitRequestParams::FormElicitationParams {
        meta: None,
        message,
        requested_schema: schema(),
    }
}

fn approved(result: &ElicitResult) -> Result<(), ConfirmRefusal> {
    match result.action {
        ElicitationAction::Accept => {
            let yes = result
                .content
                .as_ref()
                .and_then(|c| c.get("approve"))
                .and_then(serde_json::Value::as_bool);
            if yes == Some(true) {
                Ok(())
            } else {
                Err(ConfirmRefusal::Declined)
            }
        }
        ElicitationAction::Decline => Err(ConfirmRefusal::Declined),
        // Cancel, and any action a later protocol adds: not an approval.
        _ => Err(ConfirmRefusal::Cancelled),
    }
}

impl ConfirmGate {
    /// A gate with a fresh random sealing key and spent nonces in memory: one process.
    pub(crate) fn new(ttl: Duration) -> Result<Self, &'static str> {
        let mut key = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::fill(key.as_mut()).map_err(|_| "the OS random number generator failed")?;
        let codec =
            RequestStateCodec::try_new(key.to_vec()).map_err(|_| "the sealing key was refused")?;
        Ok(Self::with(codec, Arc::new(MemoryState::new()), ttl))
    }

    /// A gate sealing with `codec` (a key ring every replica shares) and spending nonces in
    /// `spent`; states live `ttl`.
    pub(crate) fn with(codec: RequestStateCodec, spent: SharedState, ttl: Duration) -> Self {
        Self { codec, ttl, spent }
    }

    /// Legacy era: ask now over the session and wait.
    pub(crate) async fn ask_in_session(
        &self,
        peer: &Peer<RoleServer>,
        subject: ConfirmSubject<'_>,
    ) -> Result<(), ConfirmRefusal> {
        let supports_form = peer
            .supported_elicitation_modes()
            .contains(&rmcp::service::ElicitationMode::Form);
        if !supports_form {
            return Err(ConfirmRefusal::Unavailable);
        }
        match peer
            .create_elicitation_with_timeout(form(subject.message), Some(self.ttl))
            .await
        {
            Ok(result) => approved(&result),
            Err(rmcp::ServiceError::Timeout { .. }) => Err(ConfirmRefusal::Expired),
            Err(_) => Err(ConfirmRefusal::Unavailable),
        }
    }

    /// 2026-07-28 era: ask with `InputRequiredResult`, or judge the retry.
    pub(crate) fn mrtr(
        &self,
        subject: ConfirmSubject<'_>,
        client_can_elicit: bool,
        request_state: Option<&str>,
        responses: Option<&InputResponses>,
    ) -> Mrtr {
        let Some(sealed) = request_state else {
            if !client_can_elicit {
                return Mrtr::Refused(ConfirmRefusal::Unavailable);
            }
            return self.ask(subject);
        };
        let binding: ConfirmBinding = match self.codec.open_json(sealed) {
            Ok(b) => b,
            Err(e) => {
                let expired = e.to_string().to_ascii_lowercase().contains("expir");
                return Mrtr::Refused(if expired {
                    ConfirmRefusal::Expired
                } else {
                    ConfirmRefusal::Mismatch
                });
            }
        };
        if binding.v != 1
            || binding.principal != subject.principal
            || binding.tool != subject.tool
            || binding.digest != subject.digest
            || binding.nonce.is_empty()
        {
            return Mrtr::Refused(ConfirmRefusal::Mismatch);
        }
        let now = now_secs();
        if binding.exp < now {
            return Mrtr::Refused(ConfirmRefusal::Expired);
        }
        // Only the response we asked for counts; anything else the client sent is ignored.
        let Some(answer) = responses.and_then(|r| r.get(INPUT_KEY)) else {
            return Mrtr::Refused(ConfirmRefusal::Cancelled);
        };
        let verdict = serde_json::from_value::<ElicitResult>(answer.clone())
            .map_err(|_| ConfirmRefusal::Declined)
            .and_then(|r| approved(&r));
        // Spend the nonce whatever the answer: a state is good for one decision.
        match self.spend(&binding.nonce, binding.exp, now) {
            Ok(true) => {}
            Ok(false) => return Mrtr::Refused(ConfirmRefusal::Replayed),
            Err(e) => return Mrtr::Unavailable(e),
        }
        match verdict {
            Ok(()) => Mrtr::Approved,
            Err(r) => Mrtr::Refused(r),
        }
    }

    fn ask(&self, subject: ConfirmSubject<'_>) -> Mrtr {
        let binding = ConfirmBinding {
            v: 1,
            principal: subject.principal.to_owned(),
            tool: subject.tool.to_owned(),
            digest: subject.digest.to_owned(),
            nonce: random_hex16(),
            exp: now_secs() + self.ttl.as_secs(),
        };
        let state = match self
            .codec
            .seal_json_with(&binding, &SealOptions::new().ttl(self.ttl))
        {
            Ok(s) => s,
            Err(_) => return Mrtr::Refused(ConfirmRefusal::Unavailable),
        };
        let mut requests = InputRequests::new();
        requests.insert(
            INPUT_KEY.to_owned(),
            InputRequest::Elicitation(ElicitRequest::new(form(subject.message))),
        );
        Mrtr::Ask { requests, state }
    }

    /// Records `nonce` as spent until the state expires; `false` if it already was.
    fn spend(&self, nonce: &str, exp: u64, now: u64) -> Result<bool, StateError> {
        // Kept a second past expiry: by then the sealed state itself is refused as expired.
        let ttl = Duration::from_secs(exp.saturating_sub(now) + 1);
        self.spent
            .put_new(&state::key("once:confirm", nonce), b"", ttl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn subject<'a>(digest: &'a str) -> ConfirmSubject<'a> {
        ConfirmSubject {
            principal: "local:ann",
            tool: "transfer_funds",
            digest,
            message: "ok?".into(),
        }
    }

    fn ask(gate: &ConfirmGate) -> String {
        match gate.mrtr(subject("d1"), true, None, None) {
            Mrtr::Ask { requests, state } => {
                assert!(requests.contains_key(INPUT_KEY));
                state
            }
            _ => panic!("expected a request for input"),
        }
    }

    fn answer(v: serde_json::Value) -> InputResponses {
        let mut r = InputResponses::new();
        r.insert(INPUT_KEY.to_owned(), v);
        r
    }

    fn verdict(m: Mrtr) -> Result<(), ConfirmRefusal> {
        match m {
            Mrtr::Approved => Ok(()),
            Mrtr::Refused(r) => Err(r),
            Mrtr::Ask { .. } => panic!("asked again"),
            Mrtr::Unavailable(e) => panic!("{e}"),
        }
    }

    #[test]
    fn approval_is_single_use() {
        let gate = ConfirmGate::new(Duration::from_secs(60)).unwrap();
        let state = ask(&gate);
        let yes = answer(json!({"action": "accept", "content": {"approve": true}}));
        assert_eq!(
            verdict(gate.mrtr(subject("d1"), true, Some(&state), Some(&yes))),
            Ok(())
        );
        assert_eq!(
            verdict(gate.mrtr(subject("d1"), true, Some(&state), Some(&yes))),
            Err(ConfirmRefusal::Replayed)
        );
    }

    #[test]
    fn state_is_bound_to_the_arguments_and_unforgeable() {
        let gate = ConfirmGate::new(Duration::from_secs(60)).unwrap();
        let state = ask(&gate);
        let yes = answer(json!({"action": "accept", "content": {"approve": true}}));
        assert_eq!(
            verdict(gate.mrtr(subject("d2"), true, Some(&state), Some(&yes))),
            Err(ConfirmRefusal::Mismatch)
        );
        let mut forged = state.clone();
        forged.push('x');
        assert_eq!(
            verdict(gate.mrtr(subject("d1"), true, Some(&forged), Some(&yes))),
            Err(ConfirmRefusal::Mismatch)
        );
        let other = ConfirmGate::new(Duration::from_secs(60)).unwrap();
        assert_eq!(
            verdict(other.mrtr(subject("d1"), true, Some(&state), Some(&yes))),
            Err(ConfirmRefusal::Mismatch)
        );
    }

    #[test]
    fn decline_cancel_and_unasked_responses_do_not_approve() {
        let gate = ConfirmGate::new(Duration::from_secs(60)).unwrap();
        for (resp, want) in [
            (json!({"action": "decline"}), ConfirmRefusal::Declined),
            (json!({"action": "cancel"}), ConfirmRefusal::Cancelled),
            (
                json!({"action": "accept", "content": {"approve": false}}),
                ConfirmRefusal::Declined,
            ),
        ] {
            let state = ask(&gate);
            assert_eq!(
                verdict(gate.mrtr(subject("d1"), true, Some(&state), Some(&answer(resp)))),
                Err(want)
            );
        }
        // An approval under a key we never asked for is ignored.
        let state = ask(&gate);
        let mut unasked = InputResponses::new();
        unasked.insert(
            "other".into(),
            json!({"action": "accept", "content": {"approve": true}}),
        );
        assert_eq!(
            verdict(gate.mrtr(subject("d1"), true, Some(&state), Some(&unasked))),
            Err(ConfirmRefusal::Cancelled)
        );
        // A client that cannot elicit is refused up front.
        assert_eq!(
            verdict(gate.mrtr(subject("d1"), false, None, None)),
            Err(ConfirmRefusal::Unavailable)
        );
    }
}
