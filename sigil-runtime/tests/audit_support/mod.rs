//! Shared helpers for the audit tests: fixed keys, a log writer, line surgery, and a forger that
//! holds the MAC key (to show what only a checkpoint catches).

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use sigil_runtime::audit::{
    AuditConfig, AuditEvent, AuditKeys, AuditLog, CheckpointVerifier, EventKind, MacKey, Outcome,
    VerifyKeys, VerifyReport, checkpoints_path, discover_segments, leaf_hash, verify,
};

pub const MAC_KEY: [u8; 32] = [0x5a; 32];
pub const SIGNING_SEED: [u8; 32] = [0x17; 32];

pub fn keys() -> AuditKeys {
    AuditKeys {
        mac_key: MacKey::from_bytes(MAC_KEY),
        signing_key: SigningKey::from_bytes(&SIGNING_SEED),
        signer_name: "sigil-audit".into(),
    }
}

pub fn verifier() -> CheckpointVerifier {
    keys().verifier()
}

/// A varied event, `i` picks its fields.
pub fn event(i: u32) -> AuditEvent {
    let kinds = [
        EventKind::CallAllowed,
        EventKind::CallRefused,
        EventKind::ScanInterception,
        EventKind::ToolResult,
    ];
    let mut e = AuditEvent::new(
        kinds[i as usize % kinds.len()],
        format!("oidc:https://id.example#user{}", i % 3),
    );
    e.tool = Some(if i.is_multiple_of(2) {
        "transfer".into()
    } else {
        "read_email".into()
    });
    e.decision = Some(if i.is_multiple_of(3) {
        "refused".into()
    } else {
        "allowed".into()
    });
    if i.is_multiple_of(3) {
        e.reason = Some(format!("trust low < required high ({i})"));
    }
    if i % 4 == 2 {
        e.rules = vec![("iban".into(), 1 + i % 2), ("aws_access_key".into(), 2)];
    }
    e.args_digest = Some(format!("{:064x}", u64::from(i) * 7919));
    e.session = Some(format!("session-{}", i / 10));
    e
}

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl Fixture {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        Self { dir, path }
    }

    /// Writes `n` events with `config` and closes the log.
    pub fn write(&self, n: u32, config: AuditConfig) {
        let log = AuditLog::open(&self.path, keys(), config).unwrap();
        for i in 0..n {
            log.append(event(i)).unwrap();
        }
        log.close().unwrap();
    }

    pub fn segments(&self) -> Vec<PathBuf> {
        discover_segments(&self.path)
    }

    pub fn sidecar(&self) -> PathBuf {
        checkpoints_path(&self.path)
    }

    pub fn lines(&self) -> Vec<Vec<u8>> {
        read_lines(&self.path)
    }

    pub fn set_lines(&self, lines: &[Vec<u8>]) {
        write_lines(&self.path, lines);
    }

    /// Verifies the segments with the sidecar checkpoints.
    pub fn verify(&self) -> VerifyReport {
        verify_with(&self.segments(), &[self.sidecar()])
    }

    /// Verifies the segments without any checkpoint.
    pub fn verify_without_checkpoints(&self) -> VerifyReport {
        verify_with(&self.segments(), &[])
    }
}

pub fn verify_with(segments: &[PathBuf], checkpoints: &[PathBuf]) -> VerifyReport {
    let mac_key = MacKey::from_bytes(MAC_KEY);
    let v = verifier();
    verify(
        segments,
        VerifyKeys {
            mac_key: &mac_key,
            checkpoint_key: Some(&v),
        },
        checkpoints,
    )
    .unwrap()
}

pub fn read_lines(path: &Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(path).unwrap();
    bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

pub fn write_lines(path: &Path, lines: &[Vec<u8>]) {
    std::fs::write(path, lines.concat()).unwrap();
}

/// The failure class and line, or panics on another outcome.
pub fn failure(report: &VerifyReport) -> (&'static str, u64) {
    match &report.outcome {
        Outcome::Failed(f) => (f.class.as_str(), f.at.line),
        other => panic!("expected a failure, got {other:?}"),
    }
}

pub fn epoch_key(epoch: u64) -> [u8; 32] {
    let mut key = MAC_KEY;
    for e in 1..=epoch {
        let mut info = b"sigil-audit-epoch".to_vec();
        info.extend_from_slice(&e.to_be_bytes());
        let mut next = [0u8; 32];
        Hkdf::<Sha256>::new(None, &key)
            .expand(&info, &mut next)
            .unwrap();
        key = next;
    }
    key
}

/// Re-seals `line` (without newline) with `key`, optionally changing its `prev`: what a thief
/// of that key can do.
pub fn reseal(line: &[u8], key: &[u8; 32], prev: Option<&[u8; 32]>) -> Vec<u8> {
    let mut value: serde_json::Value = serde_json::from_slice(line).unwrap();
    let text = String::from_utf8(line.to_vec()).unwrap();
    let mut body = text[..text.len() - 74].to_owned();
    if let Some(prev) = prev {
        let old = value["prev"].as_str().unwrap().to_owned();
        body = body.replace(&old, &hex(prev));
        value["prev"] = serde_json::Value::String(hex(prev));
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
    mac.update(body.as_bytes());
    mac.update(b"}");
    format!("{body},\"mac\":\"{}\"}}", hex(&mac.finalize().into_bytes())).into_bytes()
}

/// Re-seals every line from `from` on with its own epoch's key and re-links the chain.
pub fn reseal_chain(lines: &mut [Vec<u8>], from: usize) {
    for i in from..lines.len() {
        let prev = leaf_hash(lines[i - 1].strip_suffix(b"\n").unwrap());
        let line = lines[i].strip_suffix(b"\n").unwrap().to_vec();
        let epoch = serde_json::from_slice::<serde_json::Value>(&line).unwrap()["epoch"]
            .as_u64()
            .unwrap();
        let mut sealed = reseal(&line, &epoch_key(epoch), Some(&prev));
        sealed.push(b'\n');
        lines[i] = sealed;
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Replaces the first occurrence of `from` by `to` in `line`.
pub fn edit(line: &[u8], from: &str, to: &str) -> Vec<u8> {
    String::from_utf8(line.to_vec())
        .unwrap()
        .replacen(from, to, 1)
        .into_bytes()
}
