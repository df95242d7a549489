//! Signed checkpoints in the C2SP tlog-checkpoint / signed-note text format:
//!
//! ```text
//! sigil-audit/<log id>
//! <tree size>
//! <base64 root hash>
//!
//! — <signer name> <base64(key id (4 bytes) || Ed25519 signature (64 bytes))>
//! ```
//!
//! The signature covers the body (the first three lines, each ending in a newline).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use super::record::{from_hex, to_hex};

/// The origin line of a log's checkpoints.
pub fn origin_for(log_id: &str) -> String {
    format!("sigil-audit/{log_id}")
}

/// The signed-note key id: the first 4 bytes of SHA-256(name || "\n" || 0x01 || public key).
pub fn key_id(name: &str, key: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n\x01");
    h.update(key.as_bytes());
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// What a checkpoint states: the log, its size and its Merkle root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The origin line, `sigil-audit/<log id>`.
    pub origin: String,
    /// Number of records covered (records `0..size`).
    pub size: u64,
    /// RFC 6962 Merkle tree hash of their lines.
    pub root: [u8; 32],
}

impl Checkpoint {
    /// The note body: origin, size and base64 root, each line ending in `\n`.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        )
    }

    /// Signs the body and returns the whole note text (ending with a newline).
    pub fn sign(&self, name: &str, key: &SigningKey) -> SignedCheckpoint {
        let body = self.body();
        let signature = key.sign(body.as_bytes());
        let mut blob = key_id(name, &key.verifying_key()).to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        SignedCheckpoint {
            checkpoint: self.clone(),
            note: format!("{body}\n\u{2014} {name} {}\n", STANDARD.encode(blob)),
        }
    }
}

/// A checkpoint with its signed-note text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// What it states.
    pub checkpoint: Checkpoint,
    /// The full signed note, as written to the sidecar file.
    pub note: String,
}

/// Receives every checkpoint the writer signs, to keep it somewhere the log's writer cannot
/// rewrite (only an outside checkpoint catches truncation and rollback). Called with the log's
/// lock held: keep it quick, or hand the note to a queue.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot receive audit checkpoints",
    note = "implement `CheckpointSink`, or pass a closure `FnMut(&SignedCheckpoint) -> std::io::Result<()> + Send + 'static`"
)]
pub trait CheckpointSink: Send + 'static {
    /// Takes one checkpoint. An error is counted by the log (see
    /// `AuditLog::checkpoint_sink_failures`); it does not fail the append that caused it.
    fn publish(&mut self, checkpoint: &SignedCheckpoint) -> std::io::Result<()>;
}

impl<F> CheckpointSink for F
where
    F: FnMut(&SignedCheckpoint) -> std::io::Result<()> + Send + 'static,
{
    fn publish(&mut self, checkpoint: &SignedCheckpoint) -> std::io::Result<()> {
        self(checkpoint)
    }
}

/// Checks checkpoint signatures: a signer name and its Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointVerifier {
    name: String,
    key: VerifyingKey,
}

/// Why a checkpoint note was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoteProblem {
    /// Not a checkpoint note.
    Malformed,
    /// A signature line names the verifier's key (its name and key id) but does not verify: the
    /// note was altered after signing.
    BadSignature,
    /// No signature line names the verifier's key: the note was signed by another key.
    OtherSigner,
}

impl CheckpointVerifier {
    /// A verifier for `name`'s `key`.
    pub fn new(name: &str, key: VerifyingKey) -> Self {
        Self {
            name: name.to_owned(),
            key,
        }
    }

    /// The signed-note verifier key text: `<name>+<key id hex>+<base64(0x01 || public key)>`.
    pub fn vkey(&self) -> String {
        let mut material = vec![1u8];
        material.extend_from_slice(self.key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            to_hex(&key_id(&self.name, &self.key)),
            STANDARD.encode(material)
        )
    }

    /// Parses a verifier key text (see [`CheckpointVerifier::vkey`]).
    pub fn from_vkey(text: &str) -> Option<Self> {
        let mut parts = text.trim().splitn(3, '+');
        let (Some(name), Some(id_hex), Some(b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let material = STANDARD.decode(b64).ok()?;
        let [1, key @ ..] = material.as_slice() else {
            return None;
        };
        let key = VerifyingKey::from_bytes(&<[u8; 32]>::try_from(key).ok()?).ok()?;
        (from_hex::<4>(id_hex)? == key_id(name, &key)).then(|| Self::new(name, key))
    }

    /// Checks one note: some signature line by this signer verifies over the body.
    pub fn verify(&self, note: &str) -> Result<Checkpoint, NoteProblem> {
        let (body, signatures) = note.split_once("\n\n").ok_or(NoteProblem::Malformed)?;
        let body = &note[..body.len() + 1];
        let checkpoint = parse_body(body).ok_or(NoteProblem::Malformed)?;
        let id = key_id(&self.name, &self.key);
        let mut named = false;
        for line in signatures.lines() {
            let Some(rest) = line.strip_prefix("\u{2014} ") else {
                return Err(NoteProblem::Malformed);
            };
            let (name, b64) = rest.rsplit_once(' ').ok_or(NoteProblem::Malformed)?;
            let blob = STANDARD.decode(b64).map_err(|_| NoteProblem::Malformed)?;
            if name != self.name || blob.len() != 68 || blob[..4] != id {
                continue;
            }
            named = true;
            let signature =
                Signature::from_slice(&blob[4..]).map_err(|_| NoteProblem::Malformed)?;
            if self.key.verify_strict(body.as_bytes(), &signature).is_ok() {
                return Ok(checkpoint);
            }
        }
        Err(if named {
            NoteProblem::BadSignature
        } else {
            NoteProblem::OtherSigner
        })
    }
}

fn parse_body(body: &str) -> Option<Checkpoint> {
    let mut lines = body.strip_suffix('\n')?.split('\n');
    let origin = lines.next().filter(|o| !o.is_empty())?.to_owned();
    let size_text = lines.next()?;
    if size_text.is_empty() || (size_text.len() > 1 && size_text.starts_with('0')) {
        return None;
    }
    let size = size_text.parse().ok()?;
    let root = STANDARD.decode(lines.next()?).ok()?.try_into().ok()?;
    Some(Checkpoint { origin, size, root })
}

/// Splits a sidecar file (notes each followed by an empty line) into note texts.
pub fn split_notes(text: &str) -> Vec<&str> {
    let mut notes = Vec::new();
    let mut start = None;
    let mut in_signatures = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let blank = line == "\n";
        match (start, in_signatures, blank) {
            (None, _, true) => {}
            (None, _, false) => start = Some(offset),
            (Some(_), false, true) => in_signatures = true,
            (Some(s), true, true) => {
                notes.push(&text[s..offset]);
                start = None;
                in_signatures = false;
            }
            (Some(_), _, false) => {}
        }
        offset += line.len();
    }
    if let Some(s) = start {
        notes.push(&text[s..]);
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn signed_note_round_trips_and_rejects_other_keys() {
        let cp = Checkpoint {
            origin: origin_for("00ff"),
            size: 12,
            root: [3; 32],
        };
        let signed = cp.sign("sigil-audit", &key(1));
        assert!(signed.note.starts_with("sigil-audit/00ff\n12\nAwMD"));
        assert!(signed.note.contains("\n\n\u{2014} sigil-audit "));
        let ours = CheckpointVerifier::new("sigil-audit", key(1).verifying_key());
        assert_eq!(ours.verify(&signed.note), Ok(cp));
        let theirs = CheckpointVerifier::new("sigil-audit", key(2).verifying_key());
        assert_eq!(theirs.verify(&signed.note), Err(NoteProblem::OtherSigner));
        let edited = signed.note.replacen("\n12\n", "\n11\n", 1);
        assert_eq!(ours.verify(&edited), Err(NoteProblem::BadSignature));
    }

    #[test]
    fn vkey_round_trips_and_splits_sidecar() {
        let v = CheckpointVerifier::new("sigil-audit", key(5).verifying_key());
        assert_eq!(CheckpointVerifier::from_vkey(&v.vkey()), Some(v.clone()));
        let a = Checkpoint {
            origin: "o".into(),
            size: 1,
            root: [0; 32],
        }
        .sign("sigil-audit", &key(5));
        let b = Checkpoint {
            origin: "o".into(),
            size: 2,
            root: [1; 32],
        }
        .sign("sigil-audit", &key(5));
        let sidecar = format!("{}\n{}\n", a.note, b.note);
        let notes = split_notes(&sidecar);
        assert_eq!(notes, vec![a.note.as_str(), b.note.as_str()]);
        assert_eq!(v.verify(notes[1]).map(|c| c.size), Ok(2));
    }

    #[test]
    fn key_texts_with_plus_signs_in_their_base64_round_trip() {
        let v = (0u8..=255)
            .map(|seed| CheckpointVerifier::new("sigil-audit", key(seed).verifying_key()))
            .find(|v| v.vkey().matches('+').count() > 2)
            .expect("some key's base64 contains a plus sign");
        assert_eq!(CheckpointVerifier::from_vkey(&v.vkey()), Some(v));
    }
}
