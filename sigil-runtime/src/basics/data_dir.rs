//! The one data directory: `$XDG_DATA_HOME/sigil` when that is an absolute path, else
//! `$HOME/.local/share/sigil`. Audit keys and log, the vault key and OIDC logins live under it.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

/// Neither an absolute `XDG_DATA_HOME` nor a non-empty `HOME` is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoDataDir;

impl fmt::Display for NoDataDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no data directory: set XDG_DATA_HOME or HOME")
    }
}

impl std::error::Error for NoDataDir {}

/// SIGIL's data directory for this process's environment.
pub fn data_dir() -> Result<PathBuf, NoDataDir> {
    data_dir_from(std::env::var_os("XDG_DATA_HOME"), std::env::var_os("HOME"))
}

/// [`data_dir`] from given values of `XDG_DATA_HOME` and `HOME`.
pub fn data_dir_from(
    xdg_data_home: Option<OsString>,
    home: Option<OsString>,
) -> Result<PathBuf, NoDataDir> {
    if let Some(xdg) = xdg_data_home.map(PathBuf::from).filter(|p| p.is_absolute()) {
        return Ok(xdg.join("sigil"));
    }
    match home.filter(|h| !h.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".local/share/sigil")),
        None => Err(NoDataDir),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xdg_counts_only_when_absolute() {
        let dir = data_dir_from(Some("/x/data".into()), Some("/home/u".into())).unwrap();
        assert_eq!(dir, PathBuf::from("/x/data/sigil"));
        let dir = data_dir_from(Some("relative".into()), Some("/home/u".into())).unwrap();
        assert_eq!(dir, PathBuf::from("/home/u/.local/share/sigil"));
        assert_eq!(data_dir_from(None, Some("".into())), Err(NoDataDir));
        assert_eq!(data_dir_from(None, None), Err(NoDataDir));
    }
}
