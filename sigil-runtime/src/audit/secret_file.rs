//! Files that hold secrets or state: created mode 0600, refused when others may read them,
//! replaced atomically.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use super::error::AuditError;

/// Writes `contents` to a new 0600 file; refuses to replace an existing file unless `overwrite`.
pub(crate) fn write_new(path: &Path, contents: &[u8], overwrite: bool) -> Result<(), AuditError> {
    if !overwrite && path.exists() {
        return Err(AuditError::KeyExists {
            path: path.to_owned(),
        });
    }
    replace_atomically(path, contents)
}

/// Writes `contents` to `<path>.tmp` (0600), syncs it, renames it over `path` and syncs the
/// directory, so a crash leaves either the old or the new contents.
pub(crate) fn replace_atomically(path: &Path, contents: &[u8]) -> Result<(), AuditError> {
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".tmp");
    let tmp = Path::new(&tmp_name);
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(tmp)
        .map_err(AuditError::io("create", tmp))?;
    // An existing tmp file keeps its mode through `open`; set it explicitly.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(AuditError::io("chmod", tmp))?;
    file.write_all(contents)
        .map_err(AuditError::io("write", tmp))?;
    file.sync_all().map_err(AuditError::io("sync", tmp))?;
    drop(file);
    std::fs::rename(tmp, path).map_err(AuditError::io("rename", path))?;
    sync_parent(path)
}

/// Syncs the directory holding `path`, so a new or renamed entry survives a crash.
pub(crate) fn sync_parent(path: &Path) -> Result<(), AuditError> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(parent)
        .and_then(|dir| dir.sync_all())
        .map_err(AuditError::io("sync directory", parent))
}

/// Reads a secret file, refusing it when group or others have any permission on it.
pub(crate) fn read_private(path: &Path) -> Result<Vec<u8>, AuditError> {
    let mut file = File::open(path).map_err(AuditError::io("open", path))?;
    let mode = file
        .metadata()
        .map_err(AuditError::io("stat", path))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(AuditError::InsecurePermissions {
            path: path.to_owned(),
            mode: mode & 0o7777,
        });
    }
    let mut contents = Vec::new();
    file.read_to_end(&mut contents)
        .map_err(AuditError::io("read", path))?;
    Ok(contents)
}
