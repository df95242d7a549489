//! The tamper-evident audit trail.
//!
//! Every [`AuditEvent`] becomes one canonical JSON line, chained to the previous one by an
//! RFC 6962 leaf hash and sealed with HMAC-SHA-256 under a forward-secure epoch key; signed
//! Merkle checkpoints go to a sidecar file and, optionally, elsewhere. [`verify`] checks it all
//! offline. The format is specified in `docs/src/audit-format.md`.
//!
//! ```
//! use sigil_runtime::audit::{verify, AuditConfig, AuditEvent, AuditKeys, AuditLog, EventKind,
//!     Outcome, VerifyKeys, checkpoints_path};
//! # let dir = std::env::temp_dir().join(format!("sigil-audit-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! let keys = AuditKeys::load_or_create_in(&dir.join("keys"))?;
//! let mac_key = sigil_runtime::audit::MacKey::from_file(&dir.join("keys/audit-mac.key"))?;
//! let verifier = keys.verifier();
//! let path = dir.join("audit.jsonl");
//! let log = AuditLog::open(&path, keys, AuditConfig::default())?;
//! let id = log.append(AuditEvent::new(EventKind::ServerStart, "local:alice"))?;
//! assert_eq!(id.0, 0);
//! log.close()?;
//!
//! let report = verify(&[path.clone()], VerifyKeys { mac_key: &mac_key, checkpoint_key: Some(&verifier) },
//!     &[checkpoints_path(&path)])?;
//! assert_eq!(report.outcome, Outcome::Intact);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), sigil_runtime::audit::AuditError>(())
//! ```

mod canonical_line_reader;
mod checkpoint;
mod config;
mod epoch_key;
mod error;
mod event;
mod key_state;
mod keys;
mod line_facts;
mod log;
mod memory;
mod merkle;
mod record;
mod resume;
mod secret_file;
mod segments;
mod timestamp;
mod verify;
mod writer;

pub use checkpoint::{
    Checkpoint, CheckpointSink, CheckpointVerifier, NoteProblem, SignedCheckpoint, key_id,
    origin_for, split_notes,
};
pub use config::{AuditConfig, Durability};
pub use error::AuditError;
pub use event::{AuditEvent, AuditId, AuditSink, EventKind};
pub use keys::{
    AuditKeys, DEFAULT_SIGNER_NAME, MAC_KEY_FILE, MacKey, SIGNING_KEY_FILE, VERIFIER_KEY_FILE,
    default_key_dir, default_log_path,
};
pub use log::AuditLog;
pub use memory::MemoryAudit;
pub use merkle::{MerkleRange, leaf_hash, node_hash};
pub use record::Record;
pub use segments::{checkpoints_path, discover_segments, key_state_path, segment_path};
pub use timestamp::parse_utc_millis;
pub use verify::{
    Failure, FailureClass, Location, Outcome, VerifyKeys, VerifyReport, verify, verify_bytes,
};

/// The `prev` of record 0: the leaf hash of the ASCII text `sigil-audit genesis <log id>`,
/// i.e. SHA-256(0x00 || "sigil-audit genesis " || log id).
pub fn genesis_prev(log_id: &str) -> [u8; 32] {
    leaf_hash(format!("sigil-audit genesis {log_id}").as_bytes())
}
