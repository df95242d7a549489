//! Master key sources: key files and their permissions, the default key, the environment.

use std::fs::Permissions;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use sigil_runtime::basics::private_file::NotPrivate;
use sigil_runtime::vault::{FileStore, MasterKey, VaultError};

const HEX_KEY: &str = "0707070707070707070707070707070707070707070707070707070707070707";

fn write_key(path: &Path, content: &[u8], mode: u32) {
    std::fs::write(path, content).unwrap();
    std::fs::set_permissions(path, Permissions::from_mode(mode)).unwrap();
}

/// Two keys are the same if a vault file written under one opens under the other.
fn same_key(a: &MasterKey, b: &MasterKey) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("probe.jsonl");
    drop(FileStore::open(&path, a).unwrap());
    FileStore::open(&path, b).is_ok()
}

#[test]
fn key_file_readable_by_others_is_refused_with_path_and_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.key");
    for mode in [0o644, 0o640, 0o604, 0o700, 0o660] {
        write_key(&path, HEX_KEY.as_bytes(), mode);
        let err = MasterKey::from_file(&path).unwrap_err();
        assert!(
            matches!(err, VaultError::KeyFileNotPrivate { reason: NotPrivate::Mode(m), .. } if m == mode),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains(&format!("{mode:04o}")), "{message}");
        assert!(!message.contains(HEX_KEY), "{message}");
    }
}

#[test]
fn key_file_0600_and_0400_are_accepted_in_every_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.key");
    let reference = MasterKey::from_bytes([7; 32]);
    let hex_line = format!("{HEX_KEY}\n");
    let spellings: [&[u8]; 4] = [
        &[7u8; 32],
        hex_line.as_bytes(),
        b"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n",
        b"  BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc  ",
    ];
    for (i, content) in spellings.into_iter().enumerate() {
        let mode = if i % 2 == 0 { 0o600 } else { 0o400 };
        write_key(&path, content, mode);
        let key = MasterKey::from_file(&path).unwrap();
        assert!(same_key(&key, &reference), "spelling {i}");
        std::fs::set_permissions(&path, Permissions::from_mode(0o600)).unwrap();
    }
    write_key(&path, b"too short", 0o600);
    let err = MasterKey::from_file(&path).unwrap_err();
    assert!(matches!(err, VaultError::KeyFormat { .. }), "{err:?}");
}

#[test]
fn default_key_is_created_private_and_reloaded() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("sigil");
    let created = MasterKey::load_or_create_at(&dir).unwrap();
    let path = dir.join(MasterKey::FILE_NAME);
    let file_mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    let dir_mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(file_mode, 0o600);
    assert_eq!(dir_mode, 0o700);
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);

    let loaded = MasterKey::load_or_create_at(&dir).unwrap();
    assert!(same_key(&created, &loaded));
    assert!(!same_key(&created, &MasterKey::generate().unwrap()));

    std::fs::set_permissions(&path, Permissions::from_mode(0o644)).unwrap();
    let err = MasterKey::load_or_create_at(&dir).unwrap_err();
    assert!(
        matches!(err, VaultError::KeyFileNotPrivate { .. }),
        "{err:?}"
    );
}

#[test]
fn default_path_follows_xdg_data_home() {
    // Read-only look at this process's environment: the path ends in sigil/vault.key.
    let has_base = std::env::var_os("HOME").is_some_and(|h| !h.is_empty())
        || std::env::var_os("XDG_DATA_HOME").is_some_and(|x| Path::new(&x).is_absolute());
    assert_eq!(MasterKey::default_path().is_ok(), has_base);
    if let Ok(path) = MasterKey::default_path() {
        assert!(path.ends_with("sigil/vault.key"), "{}", path.display());
        if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|x| Path::new(x).is_absolute())
        {
            assert!(path.starts_with(xdg));
        }
    }
}

const CHILD_VAR: &str = "SIGIL_VAULT_TEST_KEY";

/// Runs in a child process that has the key variable set (env mutation is `unsafe` here).
#[test]
fn env_key_is_read_once() {
    if std::env::var_os(CHILD_VAR).is_none() {
        let child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "env_key_is_read_once"])
            .env(CHILD_VAR, HEX_KEY)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&child.stdout);
        assert!(child.status.success(), "child test failed:\n{stdout}");
        assert!(
            stdout.contains("1 passed"),
            "the child ran the test:\n{stdout}"
        );
        return;
    }
    let key = MasterKey::from_env(CHILD_VAR).unwrap();
    assert!(same_key(&key, &MasterKey::from_bytes([7; 32])));
    let again = MasterKey::from_env(CHILD_VAR).unwrap_err();
    assert!(
        matches!(again, VaultError::KeyEnvAlreadyRead { .. }),
        "{again:?}"
    );
}
