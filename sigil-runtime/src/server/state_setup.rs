//! Which state and keys a server is built on: in memory with keys of its own (one process), or
//! a shared store with the keys of a key directory (several replicas). The one rule: a shared
//! store without a key directory does not start, since a replica inventing its own keys could
//! neither open another replica's vault records nor its sealed `requestState`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::audit::{AuditConfig, AuditKeys};
use crate::config::StateSection;
use crate::confirm::ConfirmGate;
use crate::policy::RateLimiter;
use crate::server::{BuildError, KeyDir};
use crate::state::{MemoryState, SharedState};
use crate::vault::{MasterKey, MemoryStore, SharedStore, Vault, VaultConfig};

/// The state and keys, checked.
pub(crate) struct StateSetup {
    state: SharedState,
    keys: Option<KeyDir>,
    /// The name in this replica's audit records.
    replica: Option<String>,
}

impl StateSetup {
    /// From the builder's `state` and `keys`, else from `[state]` in `sigil.toml`.
    pub(crate) fn resolve(
        state: Option<SharedState>,
        keys: Option<KeyDir>,
        section: &StateSection,
    ) -> Result<Self, BuildError> {
        let keys = match (keys, &section.keys) {
            (Some(keys), _) => Some(keys),
            (None, Some(dir)) => Some(
                KeyDir::open(dir).map_err(|e| BuildError::State(format!("[state] keys: {e}")))?,
            ),
            (None, None) => None,
        };
        let state = match (state, &section.url) {
            (Some(state), _) => state,
            (None, Some(url)) => connect(url, section)?,
            (None, None) => Arc::new(MemoryState::new()),
        };
        if state.is_shared() && keys.is_none() {
            return Err(BuildError::State(format!(
                "{} is shared with other replicas, so every key must come from one key \
                 directory: make one with `sigil keygen --out DIR` and pass it with .keys() or \
                 `[state] keys = \"DIR\"`",
                state.describe()
            )));
        }
        let replica = match &section.replica {
            Some(name) => Some(name.clone()),
            None if state.is_shared() => host_name(),
            None => None,
        };
        Ok(Self {
            state,
            keys,
            replica,
        })
    }

    /// The audit configuration of the default log: this replica's name in every record.
    pub(crate) fn audit_config(&self) -> Result<AuditConfig, BuildError> {
        match &self.replica {
            Some(name) => AuditConfig::default()
                .replica(name)
                .map_err(|e| BuildError::State(format!("[state] replica: {e}"))),
            None => Ok(AuditConfig::default()),
        }
    }

    /// What the banner says of the state.
    pub(crate) fn describe(&self) -> String {
        match &self.keys {
            Some(keys) => format!(
                "{}, keys from {}",
                self.state.describe(),
                keys.path().display()
            ),
            None => self.state.describe(),
        }
    }

    pub(crate) fn limiter(&self) -> RateLimiter {
        RateLimiter::new(self.state.clone())
    }

    /// The confirmation gate: sealing with the key directory's ring, else a key of its own.
    pub(crate) fn confirm_gate(&self, ttl: Duration) -> Result<ConfirmGate, BuildError> {
        match &self.keys {
            Some(keys) => {
                let codec = keys.request_state_codec().map_err(BuildError::State)?;
                Ok(ConfirmGate::with(codec, self.state.clone(), ttl))
            }
            None => ConfirmGate::new(ttl).map_err(|_| BuildError::Random),
        }
    }

    /// The default vault: records in the shared store under the key directory's keys, else in
    /// memory under the vault key of `dir` (created `0600` on first run).
    pub(crate) fn default_vault(&self, dir: &Path) -> Result<Arc<Vault>, BuildError> {
        let Some(keys) = &self.keys else {
            let key = MasterKey::load_or_create_at(dir)
                .map_err(|e| BuildError::Defaults(e.to_string()))?;
            return Ok(Arc::new(Vault::in_memory(key)));
        };
        let vault = if self.state.is_shared() {
            keys.vault(SharedStore::new(self.state.clone()), VaultConfig::default())
        } else {
            keys.vault(MemoryStore::new(), VaultConfig::default())
        };
        Ok(Arc::new(vault))
    }

    /// The audit keys: the key directory's, else those of `dir` (created on first run).
    pub(crate) fn audit_keys(&self, dir: &Path) -> Result<AuditKeys, BuildError> {
        match &self.keys {
            Some(keys) => keys
                .audit_keys()
                .map_err(|e| BuildError::State(e.to_string())),
            None => AuditKeys::load_or_create_in(dir)
                .map_err(|e| BuildError::Defaults(format!("audit log: {e}"))),
        }
    }
}

/// The host name (a pod's name in a StatefulSet), with what a replica name may not hold
/// replaced by `-`; `None` where it cannot be read.
fn host_name() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let name: String = name
        .trim()
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    (!name.is_empty()).then_some(name)
}

#[cfg(feature = "redis")]
fn connect(url: &str, section: &StateSection) -> Result<SharedState, BuildError> {
    let options = crate::state::RedisOptions {
        ca_file: section.ca.clone(),
        ..crate::state::RedisOptions::default()
    };
    crate::state::RedisState::connect(url, options)
        .map(|s| Arc::new(s) as SharedState)
        .map_err(|e| BuildError::State(e.to_string()))
}

#[cfg(not(feature = "redis"))]
fn connect(_url: &str, _section: &StateSection) -> Result<SharedState, BuildError> {
    Err(BuildError::State(
        "[state] url needs SIGIL built with the `redis` feature".to_owned(),
    ))
}
