//! What can go wrong with the state store.

use std::fmt;

/// A state operation that failed. Callers fail closed on every variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateError {
    /// The store could not be reached or did not answer in time. `what` says which store and
    /// why, without credentials.
    Unavailable {
        /// The store (`redis://127.0.0.1:6379/0`) and the cause.
        what: String,
    },
    /// A value above the seam's size limit.
    TooLarge {
        /// Its size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// The store's URL or options are not usable.
    Config(String),
    /// The store answered something this version does not understand.
    Protocol(String),
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unavailable { what } => write!(f, "the shared state is unavailable: {what}"),
            Self::TooLarge { bytes, max } => {
                write!(
                    f,
                    "a state value of {bytes} bytes is above the limit of {max}"
                )
            }
            Self::Config(why) => write!(f, "shared state configuration: {why}"),
            Self::Protocol(why) => write!(f, "the shared state answered unexpectedly: {why}"),
        }
    }
}

impl std::error::Error for StateError {}
