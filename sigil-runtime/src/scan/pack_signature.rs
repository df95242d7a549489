//! Signed rule packs: an Ed25519 signature over the exact bytes of the pack file, kept in a
//! sidecar `<pack>.sig` holding one line:
//!
//! ```text
//! sigil-pack-sig-v1 <base64 public key> <base64 signature>
//! ```
//!
//! (standard base64 with padding). A pack is accepted only when the sidecar's public key is
//! the trusted one and the signature verifies (strict Ed25519 verification).
//!
//! Signing keys are 32-byte Ed25519 seed files, mode 0600. Public key files hold the 32 raw
//! bytes or one line of base64.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use super::error::ScanError;
use crate::basics::private_file::{self, OpenError};

/// Appended to a pack's file name to name its signature sidecar.
pub const SIGNATURE_SUFFIX: &str = ".sig";
const MAGIC: &str = "sigil-pack-sig-v1";

/// An Ed25519 key that signs rule packs. Zeroized on drop; its `Debug` shows nothing of it.
pub struct PackSigningKey(SigningKey);

impl fmt::Debug for PackSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PackSigningKey(..)")
    }
}

/// The public half, which verifiers trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackPublicKey(VerifyingKey);

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ScanError + '_ {
    move |source| ScanError::Io {
        path: path.to_owned(),
        source,
    }
}

impl PackSigningKey {
    /// A fresh key from the operating system's random number generator.
    pub fn generate() -> Result<Self, ScanError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|_| ScanError::Random)?;
        let key = Self(SigningKey::from_bytes(&seed));
        seed.fill(0);
        Ok(key)
    }

    /// The key for a 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(seed))
    }

    /// Reads a 32-byte seed file, which must be private (mode `0600` or stricter, ours).
    pub fn read_seed_file(path: &Path) -> Result<Self, ScanError> {
        let bytes = private_file::read(path, 64).map_err(|e| match e {
            OpenError::Io(e) => io_err(path)(e),
            OpenError::NotPrivate(reason) => ScanError::KeyNotPrivate {
                path: path.to_owned(),
                reason,
            },
        })?;
        let seed: &[u8; 32] =
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| ScanError::MalformedSignature {
                    path: path.to_owned(),
                    reason: "a signing key file holds exactly 32 bytes",
                })?;
        Ok(Self::from_seed(seed))
    }

    /// Writes the seed to a new file with mode 0600. Refuses to overwrite an existing file.
    pub fn write_seed_file(&self, path: &Path) -> Result<(), ScanError> {
        let mut file = private_file::create_new(path).map_err(io_err(path))?;
        file.write_all(self.0.as_bytes()).map_err(io_err(path))?;
        file.sync_all().map_err(io_err(path))
    }

    /// The public key that verifies this key's signatures.
    pub fn public_key(&self) -> PackPublicKey {
        PackPublicKey(self.0.verifying_key())
    }
}

impl PackPublicKey {
    /// From the 32 bytes of an Ed25519 public key.
    pub fn from_bytes(bytes: &[u8; 32]) -> Option<Self> {
        VerifyingKey::from_bytes(bytes).ok().map(Self)
    }

    /// Reads a public key file: 32 raw bytes, or one line of base64.
    pub fn read_file(path: &Path) -> Result<Self, ScanError> {
        let bytes = fs::read(path).map_err(io_err(path))?;
        let malformed = || ScanError::MalformedSignature {
            path: path.to_owned(),
            reason: "a public key file holds 32 raw bytes or their base64",
        };
        let raw: Vec<u8> = if bytes.len() == 32 {
            bytes
        } else {
            let text = std::str::from_utf8(&bytes).map_err(|_| malformed())?;
            B64.decode(text.trim()).map_err(|_| malformed())?
        };
        let raw: &[u8; 32] = raw.as_slice().try_into().map_err(|_| malformed())?;
        Self::from_bytes(raw).ok_or_else(malformed)
    }

    /// The key as base64 (the form written in sidecars and public key files).
    pub fn to_base64(&self) -> String {
        B64.encode(self.0.as_bytes())
    }
}

/// Signs the exact bytes of a pack; returns the sidecar line (with its trailing newline).
pub fn sign_pack(pack_bytes: &[u8], key: &PackSigningKey) -> String {
    let sig = key.0.sign(pack_bytes);
    format!(
        "{MAGIC} {} {}\n",
        key.public_key().to_base64(),
        B64.encode(sig.to_bytes())
    )
}

/// Checks a sidecar line against the pack bytes and the trusted key. `pack` names the pack in
/// errors.
pub fn verify_pack(
    pack_bytes: &[u8],
    sidecar: &str,
    trusted: &PackPublicKey,
    pack: &Path,
) -> Result<(), ScanError> {
    let sig_path = sidecar_path(pack);
    let malformed = |reason| ScanError::MalformedSignature {
        path: sig_path.clone(),
        reason,
    };
    let mut fields = sidecar.split_ascii_whitespace();
    if fields.next() != Some(MAGIC) {
        return Err(malformed(
            "signature file does not start with sigil-pack-sig-v1",
        ));
    }
    let (Some(key), Some(sig), None) = (fields.next(), fields.next(), fields.next()) else {
        return Err(malformed(
            "signature file must be: sigil-pack-sig-v1 <base64 public key> <base64 signature>",
        ));
    };
    let key: [u8; 32] = B64
        .decode(key)
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| malformed("public key field is not 32 bytes of base64"))?;
    let sig: [u8; 64] = B64
        .decode(sig)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| malformed("signature field is not 64 bytes of base64"))?;
    if key != *trusted.0.as_bytes() {
        return Err(ScanError::UntrustedSigner {
            pack: pack.to_owned(),
        });
    }
    trusted
        .0
        .verify_strict(pack_bytes, &Signature::from_bytes(&sig))
        .map_err(|_| ScanError::BadSignature {
            pack: pack.to_owned(),
        })
}

/// `<pack>.sig`.
pub(crate) fn sidecar_path(pack: &Path) -> PathBuf {
    let mut name = pack.as_os_str().to_owned();
    name.push(SIGNATURE_SUFFIX);
    PathBuf::from(name)
}

/// Reads a pack and its sidecar and returns the pack's bytes once the signature checks out.
pub(crate) fn read_verified(pack: &Path, trusted: &PackPublicKey) -> Result<Vec<u8>, ScanError> {
    let bytes = fs::read(pack).map_err(io_err(pack))?;
    let sig_path = sidecar_path(pack);
    let sidecar = match fs::read(&sig_path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ScanError::SignatureMissing {
                pack: pack.to_owned(),
            });
        }
        Err(source) => {
            return Err(ScanError::Io {
                path: sig_path,
                source,
            });
        }
    };
    let sidecar = String::from_utf8(sidecar).map_err(|_| ScanError::MalformedSignature {
        path: sig_path.clone(),
        reason: "signature file is not text",
    })?;
    verify_pack(&bytes, &sidecar, trusted, pack)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_the_same_bytes_and_key() {
        let key = PackSigningKey::from_seed(&[7; 32]);
        let pack = b"[pack]\nname = \"p\"\nversion = \"1\"\n";
        let line = sign_pack(pack, &key);
        let path = Path::new("p.toml");
        verify_pack(pack, &line, &key.public_key(), path).unwrap();
        let mut modified = pack.to_vec();
        modified[10] ^= 1;
        assert!(matches!(
            verify_pack(&modified, &line, &key.public_key(), path),
            Err(ScanError::BadSignature { .. })
        ));
        let other = PackSigningKey::from_seed(&[8; 32]).public_key();
        assert!(matches!(
            verify_pack(pack, &line, &other, path),
            Err(ScanError::UntrustedSigner { .. })
        ));
        assert!(matches!(
            verify_pack(pack, "garbage", &key.public_key(), path),
            Err(ScanError::MalformedSignature { .. })
        ));
    }
}
