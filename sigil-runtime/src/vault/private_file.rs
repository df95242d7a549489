//! Checks and creation of files only the current user may read: the key file and the vault file.
//!
//! A private file's permission bits are a subset of `0600` (so `0600` and `0400` pass, `0640`
//! and `0644` do not) and it is owned by the current effective user.

use std::fs::{File, OpenOptions};
use std::path::Path;

use super::error::VaultError;

/// What a private file is, for the error message.
#[derive(Clone, Copy)]
pub(crate) enum PrivateFile {
    Key,
    Store,
}

/// Opens `path` for reading after checking that it is private. The checks run on the opened
/// file's own metadata, so the file cannot be swapped between check and read.
pub(crate) fn open_private(path: &Path, what: PrivateFile) -> Result<File, VaultError> {
    let file = File::open(path).map_err(|e| VaultError::io(op_name(what), path, e))?;
    let meta = file
        .metadata()
        .map_err(|e| VaultError::io(op_name(what), path, e))?;
    check_private(path, &meta, what)?;
    Ok(file)
}

/// Creates `path` with mode `0600`; fails if it exists.
pub(crate) fn create_new_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Creates `dir` and its missing parents, the last ones with mode `0700`.
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

fn op_name(what: PrivateFile) -> &'static str {
    match what {
        PrivateFile::Key => "read key file",
        PrivateFile::Store => "open vault file",
    }
}

#[cfg(unix)]
fn check_private(
    path: &Path,
    meta: &std::fs::Metadata,
    what: PrivateFile,
) -> Result<(), VaultError> {
    use std::os::unix::fs::MetadataExt;
    let mode = meta.mode() & 0o7777;
    if mode & !0o600 != 0 {
        let path = path.to_path_buf();
        return Err(match what {
            PrivateFile::Key => VaultError::KeyFileMode { path, mode },
            PrivateFile::Store => VaultError::StoreFileMode { path, mode },
        });
    }
    let current = rustix::process::geteuid().as_raw();
    if meta.uid() != current {
        return Err(VaultError::FileOwner {
            path: path.to_path_buf(),
            owner: meta.uid(),
            current,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(
    _path: &Path,
    _meta: &std::fs::Metadata,
    _what: PrivateFile,
) -> Result<(), VaultError> {
    Err(VaultError::Unsupported)
}
