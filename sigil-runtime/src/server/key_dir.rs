//! The key directory every replica of one server reads: the vault keys, the keys that seal
//! `requestState`, and the audit keys. Made by `sigil keygen --out DIR`; rotated by
//! `sigil keygen --rotate --out DIR`.
//!
//! ```text
//! vault-1.key  vault-2.key                    the newest seals, every one opens
//! request-state-1.key  request-state-2.key    the same, for the sealed 2026-07-28 state
//! audit-mac.key  audit-signing.key  audit-signing.pub
//! ```
//!
//! Every key file must be private (mode `0600` or stricter, owned by this user). A key rotated
//! out stays until what it sealed has expired (the vault's TTL, the confirmation timeout); then
//! its file can be deleted. A replica never creates keys here: a missing or unreadable key is an
//! error that names the file and says how to make it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rmcp::model::RequestStateCodec;

use crate::audit::{AuditError, AuditKeys};
use crate::confirm::PendingApprovals;
use crate::state::SharedState;
use crate::vault::{MasterKey, Vault, VaultConfig, VaultError, VaultStore};

/// File names `vault-N.key`, N from 1.
pub const VAULT_KEY_PREFIX: &str = "vault-";
/// File names `request-state-N.key`, N from 1.
pub const REQUEST_STATE_KEY_PREFIX: &str = "request-state-";
const KEY_SUFFIX: &str = ".key";

/// The keys of a key directory, loaded and checked.
pub struct KeyDir {
    path: PathBuf,
    /// The vault key that seals.
    vault: MasterKey,
    /// Older vault keys, newest first: they still open what they sealed.
    vault_retired: Vec<MasterKey>,
    /// Newest first, with their generation numbers.
    request_state: Vec<(u32, MasterKey)>,
}

impl fmt::Debug for KeyDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyDir")
            .field("path", &self.path)
            .field("vault_keys", &(1 + self.vault_retired.len()))
            .field("request_state_keys", &self.request_state.len())
            .finish_non_exhaustive()
    }
}

/// A key directory that cannot be used.
#[derive(Debug)]
pub enum KeyDirError {
    /// The directory cannot be listed.
    Unreadable(PathBuf, std::io::Error),
    /// No key of this kind: `sigil keygen --out DIR` makes them.
    Missing {
        /// The directory.
        dir: PathBuf,
        /// The file-name pattern missing.
        pattern: String,
    },
    /// A vault or request-state key file refused (not private, or malformed).
    Key(VaultError),
    /// The audit keys refused.
    Audit(AuditError),
}

impl fmt::Display for KeyDirError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreadable(dir, e) => write!(f, "key directory {}: {e}", dir.display()),
            Self::Missing { dir, pattern } => write!(
                f,
                "key directory {} has no {pattern}: run `sigil keygen --out {}`",
                dir.display(),
                dir.display()
            ),
            Self::Key(e) => write!(f, "key directory: {e}"),
            Self::Audit(e) => write!(f, "key directory: {e}"),
        }
    }
}

impl std::error::Error for KeyDirError {}

/// The generations `N` of the files `{prefix}N.key` in `dir`, newest first.
fn generations(dir: &Path, prefix: &str) -> Result<Vec<u32>, KeyDirError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        // No directory: no keys, which the caller reports with how to make them.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(KeyDirError::Unreadable(dir.into(), e)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| KeyDirError::Unreadable(dir.into(), e))?;
        let name = entry.file_name();
        let Some(n) = name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix))
            .and_then(|n| n.strip_suffix(KEY_SUFFIX))
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|n| *n > 0)
        else {
            continue;
        };
        found.push(n);
    }
    found.sort_unstable_by(|a, b| b.cmp(a));
    Ok(found)
}

fn key_path(dir: &Path, prefix: &str, n: u32) -> PathBuf {
    dir.join(format!("{prefix}{n}{KEY_SUFFIX}"))
}

fn load(dir: &Path, prefix: &str) -> Result<Vec<(u32, MasterKey)>, KeyDirError> {
    let found = generations(dir, prefix)?;
    if found.is_empty() {
        return Err(KeyDirError::Missing {
            dir: dir.into(),
            pattern: format!("{prefix}N{KEY_SUFFIX}"),
        });
    }
    found
        .into_iter()
        .map(|n| {
            MasterKey::from_file(key_path(dir, prefix, n))
                .map(|k| (n, k))
                .map_err(KeyDirError::Key)
        })
        .collect()
}

impl KeyDir {
    /// Loads every key of `dir`. Nothing is created.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, KeyDirError> {
        let dir = dir.as_ref();
        let mut vault_keys = load(dir, VAULT_KEY_PREFIX)?.into_iter().map(|(_, k)| k);
        let vault = vault_keys.next().ok_or_else(|| KeyDirError::Missing {
            dir: dir.into(),
            pattern: format!("{VAULT_KEY_PREFIX}N{KEY_SUFFIX}"),
        })?;
        let vault_retired = vault_keys.collect();
        let request_state = load(dir, REQUEST_STATE_KEY_PREFIX)?;
        // Checked now, so that a replica with unusable audit keys does not start.
        AuditKeys::load_from(dir).map_err(KeyDirError::Audit)?;
        Ok(Self {
            path: dir.to_path_buf(),
            vault,
            vault_retired,
            request_state,
        })
    }

    /// Adds a new generation of vault and request-state keys to `dir` (the first, `-1`, in a
    /// new directory, created `0700`), and returns the files written. Older keys stay: they
    /// still open what they sealed.
    pub fn add_generation(dir: impl AsRef<Path>) -> Result<Vec<PathBuf>, KeyDirError> {
        let dir = dir.as_ref();
        crate::basics::private_file::create_dir(dir)
            .map_err(|e| KeyDirError::Unreadable(dir.into(), e))?;
        let mut written = Vec::new();
        for prefix in [VAULT_KEY_PREFIX, REQUEST_STATE_KEY_PREFIX] {
            let next = generations(dir, prefix)?.first().map_or(1, |n| n + 1);
            let path = key_path(dir, prefix, next);
            MasterKey::create_file(&path).map_err(KeyDirError::Key)?;
            written.push(path);
        }
        Ok(written)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A vault over `store` that seals under the newest vault key and opens under any of them.
    pub fn vault(&self, store: impl VaultStore + 'static, config: VaultConfig) -> Vault {
        let retired = self
            .vault_retired
            .iter()
            .map(MasterKey::clone_key)
            .collect();
        Vault::new(self.vault.clone_key(), store, config).with_retired_keys(retired)
    }

    /// The codec that seals `requestState` with the newest key and opens with any.
    pub(crate) fn request_state_codec(&self) -> Result<RequestStateCodec, String> {
        let newest = self.request_state[0].0;
        RequestStateCodec::new_with_keyring(
            newest.to_string(),
            self.request_state
                .iter()
                .map(|(n, k)| (n.to_string(), k.expose().to_vec())),
        )
        .map_err(|e| format!("the request-state keys were refused: {e}"))
    }

    /// Pending approvals on `store`, sealed with the newest `requestState` key (any of them
    /// opens); each lives `ttl` (five minutes is the Inspector's default).
    pub fn pending_approvals(
        &self,
        store: SharedState,
        ttl: Duration,
    ) -> Result<PendingApprovals, String> {
        Ok(PendingApprovals::with(
            self.request_state_codec()?,
            store,
            ttl,
        ))
    }

    /// The audit keys (every replica signs its own chain with them).
    pub(crate) fn audit_keys(&self) -> Result<AuditKeys, KeyDirError> {
        AuditKeys::load_from(&self.path).map_err(KeyDirError::Audit)
    }
}
