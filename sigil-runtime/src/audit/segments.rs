//! File naming: a log is a chain of segment files. Segment 0 is the path given (`audit.jsonl`),
//! segment k ≥ 1 is that path with `.k` appended (`audit.jsonl.1`, `audit.jsonl.2`, ...). The
//! sidecars `<log>.checkpoints` and `<log>.key-state` belong to the whole chain.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The path of segment `index` of the log at `base`.
pub fn segment_path(base: &Path, index: u32) -> PathBuf {
    if index == 0 {
        return base.to_owned();
    }
    let mut name: OsString = base.as_os_str().to_owned();
    name.push(format!(".{index}"));
    PathBuf::from(name)
}

/// The existing segments of the log at `base`, in chain order: `base`, then `base.1`, `base.2`,
/// ... as long as they exist. Empty when `base` does not exist.
pub fn discover_segments(base: &Path) -> Vec<PathBuf> {
    (0..)
        .map(|i| segment_path(base, i))
        .take_while(|p| p.is_file())
        .collect()
}

/// `<base>.checkpoints`: the signed checkpoints, appended.
pub fn checkpoints_path(base: &Path) -> PathBuf {
    with_suffix(base, ".checkpoints")
}

/// `<base>.key-state`: the writer's current epoch key (mode 0600).
pub fn key_state_path(base: &Path) -> PathBuf {
    with_suffix(base, ".key-state")
}

fn with_suffix(base: &Path, suffix: &str) -> PathBuf {
    let mut name: OsString = base.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Splits a segment into lines: `(line without newline, whether a newline ended it)`.
pub(crate) fn lines(bytes: &[u8]) -> impl Iterator<Item = (&[u8], bool)> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match memchr::memchr(b'\n', rest) {
            Some(i) => {
                let line = &rest[..i];
                rest = &rest[i + 1..];
                Some((line, true))
            }
            None => {
                let line = rest;
                rest = &[];
                Some((line, false))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_segments_and_sidecars() {
        let base = Path::new("/var/log/audit.jsonl");
        assert_eq!(segment_path(base, 0), base);
        assert_eq!(segment_path(base, 2), Path::new("/var/log/audit.jsonl.2"));
        assert_eq!(
            checkpoints_path(base),
            Path::new("/var/log/audit.jsonl.checkpoints")
        );
        assert_eq!(
            key_state_path(base),
            Path::new("/var/log/audit.jsonl.key-state")
        );
    }

    #[test]
    fn lines_mark_an_unterminated_tail() {
        let got: Vec<_> = lines(b"a\nbc\nd").collect();
        assert_eq!(
            got,
            vec![(&b"a"[..], true), (&b"bc"[..], true), (&b"d"[..], false)]
        );
    }
}
