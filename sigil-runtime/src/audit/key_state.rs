//! `<log>.key-state`: the writer's current epoch and epoch key, so a reopened log continues
//! without the initial key. Text, mode 0600, replaced atomically at every epoch change:
//!
//! ```text
//! sigil-audit key-state v1
//! log <log id>
//! epoch <n>
//! key <64 hex digits>
//! ```

use std::path::Path;

use zeroize::Zeroizing;

use super::epoch_key::EpochKey;
use super::error::AuditError;
use super::record::{from_hex, to_hex};
use super::secret_file::{read_private, replace_atomically};

const HEADER: &str = "sigil-audit key-state v1";

/// The persisted key state.
pub(crate) struct KeyState {
    pub(crate) log_id: String,
    pub(crate) key: EpochKey,
}

/// Writes the state for `log_id` at `key`'s epoch.
pub(crate) fn write(path: &Path, log_id: &str, key: &EpochKey) -> Result<(), AuditError> {
    let text = Zeroizing::new(format!(
        "{HEADER}\nlog {log_id}\nepoch {}\nkey {}\n",
        key.epoch(),
        to_hex(key.bytes())
    ));
    replace_atomically(path, text.as_bytes())
}

/// Reads the state, or `None` when the file does not exist.
pub(crate) fn read(path: &Path) -> Result<Option<KeyState>, AuditError> {
    if !path.exists() {
        return Ok(None);
    }
    let contents = read_private(path)?;
    let corrupt = || AuditError::CorruptLog {
        path: path.to_owned(),
        problem: "unreadable key state",
    };
    let text = std::str::from_utf8(&contents).map_err(|_| corrupt())?;
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return Err(corrupt());
    }
    let mut field = |name: &str| {
        lines
            .next()
            .and_then(|l| l.strip_prefix(name))
            .map(str::to_owned)
    };
    let log_id = field("log ").ok_or_else(corrupt)?;
    let epoch = field("epoch ")
        .and_then(|e| e.parse().ok())
        .ok_or_else(corrupt)?;
    let key_hex = Zeroizing::new(field("key ").ok_or_else(corrupt)?);
    let key = Zeroizing::new(from_hex::<32>(&key_hex).ok_or_else(corrupt)?);
    Ok(Some(KeyState {
        log_id,
        key: EpochKey::new(epoch, &key),
    }))
}
