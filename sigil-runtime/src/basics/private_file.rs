//! Files only the current user may read: keys, tokens, logins, the vault file. One rule, checked
//! on the opened file's own metadata (so the file cannot be swapped between check and read):
//!
//! - it is a regular file;
//! - its permission bits are a subset of `0600` (`0600` and `0400` pass; `0640`, `0644` and
//!   `0700` do not);
//! - it is owned by the current effective user.
//!
//! Everything here creates files `0600` and directories `0700`.

use std::fmt;
use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

/// Why a file is not private.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotPrivate {
    /// Its permission bits (shown) allow more than `0600`.
    Mode(u32),
    /// It belongs to another user.
    Owner {
        /// The file's owner.
        owner: u32,
        /// The current effective user.
        current: u32,
    },
    /// It is a directory, a device, a pipe or a socket.
    NotAFile,
}

impl fmt::Display for NotPrivate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Mode(mode) => write!(
                f,
                "mode is {mode:04o}, but only its owner may read it (0600 or stricter): chmod 600 it"
            ),
            Self::Owner { owner, current } => write!(
                f,
                "owned by uid {owner}, not by the current user (uid {current})"
            ),
            Self::NotAFile => f.write_str("not a regular file"),
        }
    }
}

impl std::error::Error for NotPrivate {}

/// A private file could not be opened or is not private.
#[derive(Debug)]
pub enum OpenError {
    /// Opening or reading failed.
    Io(io::Error),
    /// The file is there but others may read it, or it is not ours.
    NotPrivate(NotPrivate),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => e.fmt(f),
            Self::NotPrivate(reason) => reason.fmt(f),
        }
    }
}

impl std::error::Error for OpenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::NotPrivate(reason) => Some(reason),
        }
    }
}

/// The rule, on metadata already taken from an open file.
pub fn check(meta: &Metadata) -> Result<(), NotPrivate> {
    if !meta.is_file() {
        return Err(NotPrivate::NotAFile);
    }
    let mode = meta.mode() & 0o7777;
    if mode & !0o600 != 0 {
        return Err(NotPrivate::Mode(mode));
    }
    let current = rustix::process::geteuid().as_raw();
    if meta.uid() != current {
        return Err(NotPrivate::Owner {
            owner: meta.uid(),
            current,
        });
    }
    Ok(())
}

/// Opens `path` for reading, then checks the opened file.
pub fn open(path: &Path) -> Result<File, OpenError> {
    let file = File::open(path).map_err(OpenError::Io)?;
    let meta = file.metadata().map_err(OpenError::Io)?;
    check(&meta).map_err(OpenError::NotPrivate)?;
    Ok(file)
}

/// Reads at most `max_len` bytes of a private file into memory that is wiped on drop. The buffer
/// is sized from the file's length first, so reading does not reallocate and leave copies behind.
pub fn read(path: &Path, max_len: u64) -> Result<Zeroizing<Vec<u8>>, OpenError> {
    let file = open(path)?;
    let len = file.metadata().map_err(OpenError::Io)?.len().min(max_len);
    let capacity = usize::try_from(len).unwrap_or(usize::MAX).saturating_add(1);
    let mut contents = Zeroizing::new(Vec::with_capacity(capacity));
    file.take(max_len)
        .read_to_end(&mut contents)
        .map_err(OpenError::Io)?;
    Ok(contents)
}

/// Creates `path` with mode `0600`; fails if anything exists there.
pub fn create_new(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// Creates `dir` and its missing parents with mode `0700`.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Writes `contents` to a new `0600` file beside `path` with a random name, and syncs it. The
/// name is unpredictable and the file is created with `create_new`, so nobody can plant a file
/// or link there first. On failure nothing is left behind.
fn write_temp(path: &Path, contents: &[u8]) -> io::Result<PathBuf> {
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|_| io::Error::other("no system randomness"))?;
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{:016x}.tmp", u64::from_le_bytes(suffix)));
    let temp = PathBuf::from(name);
    let written = create_new(&temp).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()
    });
    match written {
        Ok(()) => Ok(temp),
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            Err(e)
        }
    }
}

/// Replaces `path` with a private file holding `contents`: written under a temporary name, then
/// renamed over `path`, and the directory synced, so a crash leaves either the old or the new
/// contents.
pub fn replace_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let temp = write_temp(path, contents)?;
    if let Err(e) = std::fs::rename(&temp, path) {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    sync_parent(path)
}

/// Creates `path` as a private file holding `contents`, all at once: written under a temporary
/// name, then hard-linked into place, so nobody ever sees it half-written. Fails with
/// [`io::ErrorKind::AlreadyExists`] when `path` exists (the winner of a race keeps its file).
pub fn create_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let temp = write_temp(path, contents)?;
    let linked = std::fs::hard_link(&temp, path);
    let _ = std::fs::remove_file(&temp);
    linked?;
    sync_parent(path)
}

/// Syncs the directory holding `path`, so a new or renamed entry survives a crash.
pub fn sync_parent(path: &Path) -> io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(parent)?.sync_all()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn file_with_mode(dir: &Path, mode: u32) -> std::path::PathBuf {
        let path = dir.join(format!("f{mode:o}"));
        std::fs::write(&path, b"secret").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn only_owner_read_write_bits_pass() {
        let dir = tempfile::tempdir().unwrap();
        for mode in [0o600, 0o400, 0o200, 0o000] {
            let path = file_with_mode(dir.path(), mode);
            if mode & 0o400 != 0 {
                assert_eq!(&*read(&path, 100).unwrap(), b"secret");
            }
            let meta = std::fs::metadata(&path).unwrap();
            assert_eq!(check(&meta), Ok(()), "{mode:o}");
        }
        for mode in [0o640, 0o644, 0o604, 0o700, 0o4600, 0o1600, 0o610] {
            let path = file_with_mode(dir.path(), mode);
            let err = open(&path).unwrap_err();
            assert!(
                matches!(err, OpenError::NotPrivate(NotPrivate::Mode(m)) if m == mode),
                "{mode:o}: {err:?}"
            );
        }
    }

    #[test]
    fn the_message_says_the_mode_and_the_fix() {
        let text = NotPrivate::Mode(0o644).to_string();
        assert!(text.contains("mode is 0644"), "{text}");
        assert!(text.contains("0600"), "{text}");
        assert!(text.contains("chmod 600"), "{text}");
    }

    #[test]
    fn a_directory_or_device_is_not_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("d");
        create_dir(&sub).unwrap();
        std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(
            open(&sub).unwrap_err(),
            OpenError::NotPrivate(NotPrivate::NotAFile)
        ));
        assert!(matches!(
            open(Path::new("/dev/null")).unwrap_err(),
            OpenError::NotPrivate(NotPrivate::NotAFile)
        ));
    }

    #[test]
    fn reads_stop_at_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = file_with_mode(dir.path(), 0o600);
        assert_eq!(&*read(&path, 3).unwrap(), b"sec");
    }

    #[test]
    fn created_files_and_dirs_are_private_and_replacing_resets_the_mode() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        create_dir(&sub).unwrap();
        let mode = std::fs::metadata(&sub).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        let path = sub.join("key");
        create_new(&path).unwrap().write_all(b"one").unwrap();
        assert!(create_new(&path).is_err(), "create_new must not overwrite");
        replace_atomically(&path, b"two").unwrap();
        assert_eq!(&*read(&path, 100).unwrap(), b"two");
        let err = create_atomically(&path, b"three").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(&*read(&path, 100).unwrap(), b"two");
        create_atomically(&sub.join("new"), b"four").unwrap();
        assert_eq!(&*read(&sub.join("new"), 100).unwrap(), b"four");
        let left: Vec<_> = std::fs::read_dir(&sub)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 2, "no temporary file is left behind: {left:?}");
    }
}
