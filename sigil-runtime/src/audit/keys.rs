//! Audit keys: the initial MAC key (epoch 0) and the Ed25519 checkpoint signing key, their files,
//! and where they live by default.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::SigningKey;
use zeroize::Zeroizing;

use super::checkpoint::{CheckpointVerifier, key_id};
use super::error::AuditError;
use super::record::{from_hex, to_hex};
use super::secret_file::{read_private, write_new};
use crate::basics::private_file;

/// File name of the initial MAC key in a key directory.
pub const MAC_KEY_FILE: &str = "audit-mac.key";
/// File name of the Ed25519 checkpoint signing key (signed-note private key format).
pub const SIGNING_KEY_FILE: &str = "audit-signing.key";
/// File name of the checkpoint verifier key (signed-note verifier key format).
pub const VERIFIER_KEY_FILE: &str = "audit-signing.pub";
/// The signer name used in checkpoints when keys are generated here.
pub const DEFAULT_SIGNER_NAME: &str = "sigil-audit";

/// The initial (epoch 0) MAC key: 32 bytes, zeroized on drop, never printed.
pub struct MacKey(Zeroizing<[u8; 32]>);

impl MacKey {
    /// A key from its bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// A fresh random key.
    pub fn generate() -> Result<Self, AuditError> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(key.as_mut()).map_err(|_| AuditError::Random)?;
        Ok(Self(key))
    }

    /// A key from 64 hex digits (for example from an environment variable); `None` otherwise.
    pub fn from_hex(text: &str) -> Option<Self> {
        from_hex::<32>(text.trim()).map(Self::from_bytes)
    }

    /// Reads a key file: 64 hex digits (optionally followed by a newline) or 32 raw bytes.
    /// The file must be mode 0600 or stricter.
    pub fn from_file(path: &Path) -> Result<Self, AuditError> {
        let contents = read_private(path)?;
        let bad = |problem| AuditError::BadKeyFile {
            path: path.to_owned(),
            problem,
        };
        if let Ok(raw) = <[u8; 32]>::try_from(contents.as_slice()) {
            return Ok(Self::from_bytes(raw));
        }
        let text =
            std::str::from_utf8(&contents).map_err(|_| bad("not 64 hex digits or 32 bytes"))?;
        from_hex::<32>(text.trim_end())
            .map(Self::from_bytes)
            .ok_or_else(|| bad("not 64 hex digits or 32 bytes"))
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for MacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MacKey(<redacted>)")
    }
}

/// The keys a writer needs.
pub struct AuditKeys {
    /// The initial MAC key (epoch 0).
    pub mac_key: MacKey,
    /// The checkpoint signing key.
    pub signing_key: SigningKey,
    /// The signer name in checkpoint signature lines (no spaces, no `+`).
    pub signer_name: String,
}

impl std::fmt::Debug for AuditKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKeys")
            .field("mac_key", &self.mac_key)
            .field("signer", &self.verifier().vkey())
            .finish()
    }
}

impl AuditKeys {
    /// Fresh random keys, signer name [`DEFAULT_SIGNER_NAME`].
    pub fn generate() -> Result<Self, AuditError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|_| AuditError::Random)?;
        Ok(Self {
            mac_key: MacKey::generate()?,
            signing_key: SigningKey::from_bytes(&seed),
            signer_name: DEFAULT_SIGNER_NAME.to_owned(),
        })
    }

    /// The public half, for verifying checkpoints.
    pub fn verifier(&self) -> CheckpointVerifier {
        CheckpointVerifier::new(&self.signer_name, self.signing_key.verifying_key())
    }

    /// Loads the keys from `dir` ([`MAC_KEY_FILE`], [`SIGNING_KEY_FILE`]).
    pub fn load_from(dir: &Path) -> Result<Self, AuditError> {
        let mac_key = MacKey::from_file(&dir.join(MAC_KEY_FILE))?;
        let (signer_name, signing_key) = read_signing_key(&dir.join(SIGNING_KEY_FILE))?;
        Ok(Self {
            mac_key,
            signing_key,
            signer_name,
        })
    }

    /// Loads the keys from `dir`, or creates them there (directory 0700, files 0600, plus the
    /// public [`VERIFIER_KEY_FILE`]) when neither key file exists yet.
    pub fn load_or_create_in(dir: &Path) -> Result<Self, AuditError> {
        if dir.join(MAC_KEY_FILE).exists() || dir.join(SIGNING_KEY_FILE).exists() {
            return Self::load_from(dir);
        }
        let keys = Self::generate()?;
        keys.write_to(dir, false)?;
        Ok(keys)
    }

    /// [`AuditKeys::load_or_create_in`] the [`default_key_dir`]: what a server does when no key
    /// is configured, and where `sigil audit verify` looks when given no key flags.
    pub fn load_or_create_default() -> Result<Self, AuditError> {
        Self::load_or_create_in(&default_key_dir()?)
    }

    /// Writes the three key files into `dir` (created 0700 if missing). Refuses to replace any
    /// existing one unless `overwrite`.
    pub fn write_to(&self, dir: &Path, overwrite: bool) -> Result<(), AuditError> {
        create_private_dir(dir)?;
        let paths = [MAC_KEY_FILE, SIGNING_KEY_FILE, VERIFIER_KEY_FILE].map(|n| dir.join(n));
        if !overwrite && let Some(existing) = paths.iter().find(|p| p.exists()) {
            return Err(AuditError::KeyExists {
                path: existing.clone(),
            });
        }
        let mac_text = Zeroizing::new(format!("{}\n", to_hex(self.mac_key.bytes())));
        write_new(&paths[0], mac_text.as_bytes(), overwrite)?;
        let skey = Zeroizing::new(self.skey_text());
        write_new(&paths[1], skey.as_bytes(), overwrite)?;
        write_new(
            &paths[2],
            format!("{}\n", self.verifier().vkey()).as_bytes(),
            overwrite,
        )
    }

    /// The signed-note private key text: `PRIVATE+KEY+<name>+<keyid hex>+<base64(0x01||seed)>`.
    fn skey_text(&self) -> String {
        let id = key_id(&self.signer_name, &self.signing_key.verifying_key());
        let mut material = Zeroizing::new(Vec::with_capacity(33));
        material.push(1u8);
        material.extend_from_slice(self.signing_key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{}+{}\n",
            self.signer_name,
            to_hex(&id),
            STANDARD.encode(&*material)
        )
    }
}

fn read_signing_key(path: &Path) -> Result<(String, SigningKey), AuditError> {
    let contents = read_private(path)?;
    let bad = |problem| AuditError::BadKeyFile {
        path: path.to_owned(),
        problem,
    };
    let text = std::str::from_utf8(&contents).map_err(|_| bad("not a signed-note private key"))?;
    let mut parts = text.trim_end().splitn(5, '+');
    let (Some("PRIVATE"), Some("KEY"), Some(name), Some(id_hex), Some(b64), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(bad(
            "not a signed-note private key (PRIVATE+KEY+name+id+key)",
        ));
    };
    let material = Zeroizing::new(STANDARD.decode(b64).map_err(|_| bad("key is not base64"))?);
    let [1, seed @ ..] = material.as_slice() else {
        return Err(bad("not an Ed25519 key (type byte 0x01)"));
    };
    let seed = Zeroizing::new(
        <[u8; 32]>::try_from(seed).map_err(|_| bad("Ed25519 seed must be 32 bytes"))?,
    );
    let key = SigningKey::from_bytes(&seed);
    if from_hex::<4>(id_hex) != Some(key_id(name, &key.verifying_key())) {
        return Err(bad("key id does not match the key"));
    }
    Ok((name.to_owned(), key))
}

pub(crate) fn create_private_dir(dir: &Path) -> Result<(), AuditError> {
    if dir.is_dir() {
        return Ok(());
    }
    private_file::create_dir(dir).map_err(AuditError::io("create directory", dir))
}

/// The default key directory: SIGIL's [`data_dir`](crate::basics::data_dir).
pub fn default_key_dir() -> Result<PathBuf, AuditError> {
    crate::basics::data_dir().map_err(|_| AuditError::NoKeyDir)
}

/// The default audit log: `audit.jsonl` in [`default_key_dir`], so that `sigil audit verify` finds
/// the keys beside it with no flags.
pub fn default_log_path() -> Result<PathBuf, AuditError> {
    Ok(default_key_dir()?.join("audit.jsonl"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_mac_key() {
        let key = MacKey::from_bytes([0xab; 32]);
        assert!(!format!("{key:?}").contains("abab"));
    }
}
