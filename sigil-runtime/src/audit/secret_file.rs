//! The audit keys and key state on the one private-file rule ([`crate::basics::private_file`]),
//! with errors as [`AuditError`].

use std::path::Path;

use zeroize::Zeroizing;

use super::error::AuditError;
use crate::basics::private_file::{self, OpenError};

/// The largest secret file read; audit keys and key state are far smaller.
const MAX_SECRET_FILE: u64 = 1 << 16;

/// Writes `contents` to a new 0600 file; refuses to replace an existing file unless `overwrite`.
pub(crate) fn write_new(path: &Path, contents: &[u8], overwrite: bool) -> Result<(), AuditError> {
    if !overwrite && path.exists() {
        return Err(AuditError::KeyExists {
            path: path.to_owned(),
        });
    }
    replace_atomically(path, contents)
}

/// [`private_file::replace_atomically`].
pub(crate) fn replace_atomically(path: &Path, contents: &[u8]) -> Result<(), AuditError> {
    private_file::replace_atomically(path, contents).map_err(AuditError::io("replace", path))
}

/// [`private_file::sync_parent`].
pub(crate) fn sync_parent(path: &Path) -> Result<(), AuditError> {
    private_file::sync_parent(path).map_err(AuditError::io("sync the directory of", path))
}

/// Reads a secret file, refusing it unless it is private.
pub(crate) fn read_private(path: &Path) -> Result<Zeroizing<Vec<u8>>, AuditError> {
    private_file::read(path, MAX_SECRET_FILE).map_err(|e| match e {
        OpenError::Io(e) => AuditError::io("read", path)(e),
        OpenError::NotPrivate(reason) => AuditError::NotPrivate {
            path: path.to_owned(),
            reason,
        },
    })
}
