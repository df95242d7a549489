//! Human confirmation, bound to the exact call, in both protocol eras.

mod gate;
mod pending;
mod preview;
mod state;
mod visible;

pub(crate) use gate::{ConfirmGate, ConfirmSubject, Mrtr};
pub use gate::{ConfirmRefusal, INPUT_KEY};
pub use pending::{
    CallToApprove, DecideRefusal, Decision, MAX_DENY_REASON_CHARS, PendingApprovals, PendingCall,
    Redeemed,
};
pub use preview::{MAX_PREVIEW_CHARS, PreviewTooLong, confirmation_message};
pub use visible::{is_hidden, visible, visible_line};
