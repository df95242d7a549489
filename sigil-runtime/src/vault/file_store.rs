//! The encrypted vault file: JSON lines, mode `0600`, nothing in clear but metadata.
//!
//! ```text
//! {"format":"sigil-vault","version":1,"key_check":"<64 hex>"}
//! {"id":"<26 base32>","kind":"IBAN","owner":"local:alice","trust":"low","expires_at_ms":1767225600000,"nonce":"<24 hex>","ciphertext":"<hex>","dedup":"<64 hex>"}
//! ...
//! ```
//!
//! The first line names the format and carries a key check (an HKDF output of the master key
//! that reveals nothing about it), so opening with the wrong key fails at once with
//! [`VaultError::WrongKey`]. Records are appended; a later line with the same id replaces an
//! earlier one. On open, and on every purge that drops something, expired and replaced lines
//! are removed by rewriting the file (a new `0600` file renamed over the old one). Appends are
//! not synced to disk one by one: a crash can lose the newest records (their pointers then
//! resolve as unknown), never expose them.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::error::VaultError;
use super::hex;
use super::master_key::MasterKey;
use super::pointer::PointerId;
use super::record::SealedRecord;
use super::record_line::RecordLine;
use super::seal::key_check;
use super::store::{RecordIndex, VaultStore};
use crate::basics::private_file::{self, OpenError};
use crate::basics::unix_ms;

const FORMAT: &str = "sigil-vault";
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    key_check: String,
}

struct FileState {
    index: RecordIndex,
    /// Open for appending.
    file: File,
    /// Record lines in the file (live, replaced or expired).
    lines: usize,
}

/// A [`VaultStore`] persisted to an encrypted JSON-lines file (see the module docs).
pub struct FileStore {
    path: PathBuf,
    header: String,
    state: RwLock<FileState>,
}

impl FileStore {
    /// Opens the vault file at `path`, creating it (mode `0600`) if it does not exist.
    ///
    /// An existing file must be private (mode `0600` or stricter, owned by the current user)
    /// and written under `key` ([`VaultError::WrongKey`] otherwise). Expired records are purged
    /// on open.
    pub fn open(path: impl AsRef<Path>, key: &MasterKey) -> Result<Self, VaultError> {
        let path = path.as_ref().to_path_buf();
        let header = serde_json::to_string(&Header {
            format: FORMAT.to_owned(),
            version: VERSION,
            key_check: hex::encode(&key_check(key)),
        })
        .map_err(|_| VaultError::StoreFormat {
            path: path.clone(),
            line: 1,
        })?;
        let mut index = RecordIndex::default();
        let mut lines = 0;
        let mut torn = false;
        match private_file::create_new(&path) {
            Ok(mut file) => {
                writeln!(file, "{header}")
                    .and_then(|()| file.sync_all())
                    .map_err(|e| VaultError::io("create vault file", &path, e))?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                (lines, torn) = load(&path, &header, &mut index)?;
            }
            Err(e) => return Err(VaultError::io("create vault file", &path, e)),
        }
        let file = open_append(&path)?;
        let store = Self {
            path,
            header,
            state: RwLock::new(FileState { index, file, lines }),
        };
        let dropped = store.purge_expired(unix_ms(SystemTime::now()))?;
        if torn && dropped == 0 {
            // Appending after a torn line would glue the next record to it.
            store.compact(&mut store.write_state())?;
        }
        Ok(store)
    }

    /// The vault file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rewrites the file with the live records only.
    fn compact(&self, state: &mut FileState) -> Result<(), VaultError> {
        let mut text = String::with_capacity(self.header.len() + 1);
        text.push_str(&self.header);
        text.push('\n');
        for record in state.index.records() {
            push_line(&mut text, record);
        }
        private_file::replace_atomically(&self.path, text.as_bytes())
            .map_err(|e| VaultError::io("rewrite vault file", &self.path, e))?;
        state.file = open_append(&self.path)?;
        state.lines = state.index.len();
        Ok(())
    }

    fn write_state(&self) -> std::sync::RwLockWriteGuard<'_, FileState> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    fn read_state(&self) -> std::sync::RwLockReadGuard<'_, FileState> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }
}

fn push_line(text: &mut String, record: &SealedRecord) {
    // A struct of strings and integers always serializes.
    if let Ok(line) = serde_json::to_string(&RecordLine::from_record(record)) {
        text.push_str(&line);
        text.push('\n');
    }
}

fn open_append(path: &Path) -> Result<File, VaultError> {
    OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| VaultError::io("open vault file", path, e))
}

/// Reads an existing vault file into `index`; returns the number of record lines and whether
/// the last line was torn.
fn load(path: &Path, header: &str, index: &mut RecordIndex) -> Result<(usize, bool), VaultError> {
    let file = private_file::open(path).map_err(|e| match e {
        OpenError::Io(e) => VaultError::io("open vault file", path, e),
        OpenError::NotPrivate(reason) => VaultError::StoreFileNotPrivate {
            path: path.to_owned(),
            reason,
        },
    })?;
    let mut reader = BufReader::new(file);
    let mut line = String::new();
    let mut number = 0;
    let mut records = 0;
    loop {
        line.clear();
        let read = reader
            .read_line(&mut line)
            .map_err(|e| VaultError::io("read vault file", path, e))?;
        if read == 0 {
            break;
        }
        number += 1;
        let complete = line.ends_with('\n');
        let text = line.trim_end_matches(['\n', '\r']);
        let bad = || VaultError::StoreFormat {
            path: path.to_path_buf(),
            line: number,
        };
        if number == 1 {
            let found: Header = serde_json::from_str(text).map_err(|_| bad())?;
            if found.format != FORMAT || found.version != VERSION {
                return Err(bad());
            }
            let ours: Header = serde_json::from_str(header).map_err(|_| bad())?;
            if found.key_check != ours.key_check {
                return Err(VaultError::WrongKey {
                    path: path.to_path_buf(),
                });
            }
            continue;
        }
        if text.is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<RecordLine>(text)
            .ok()
            .and_then(RecordLine::into_record);
        match parsed {
            Some(record) => {
                index.insert(record);
                records += 1;
            }
            // A torn last line (a crash mid-append) is dropped; anything else is an error.
            None if !complete => return Ok((records, true)),
            None => return Err(bad()),
        }
    }
    if number == 0 {
        return Err(VaultError::StoreFormat {
            path: path.to_path_buf(),
            line: 1,
        });
    }
    Ok((records, false))
}

impl VaultStore for FileStore {
    fn put(&self, record: SealedRecord) -> Result<(), VaultError> {
        let mut line = String::new();
        push_line(&mut line, &record);
        let mut state = self.write_state();
        state
            .file
            .write_all(line.as_bytes())
            .map_err(|e| VaultError::io("append to vault file", &self.path, e))?;
        state.index.insert(record);
        state.lines += 1;
        Ok(())
    }

    fn get(&self, id: &PointerId) -> Result<Option<SealedRecord>, VaultError> {
        Ok(self.read_state().index.get(id).cloned())
    }

    fn get_by_dedup(&self, tag: &[u8; 32]) -> Result<Option<SealedRecord>, VaultError> {
        Ok(self.read_state().index.get_by_dedup(tag).cloned())
    }

    fn purge_expired(&self, now_ms: u64) -> Result<usize, VaultError> {
        let mut state = self.write_state();
        let dropped = state.index.purge_expired(now_ms);
        // Rewrite when something expired, or when replaced lines outnumber live ones.
        if dropped > 0 || state.lines > 2 * state.index.len() + 16 {
            self.compact(&mut state)?;
        }
        Ok(dropped)
    }

    fn len(&self) -> usize {
        self.read_state().index.len()
    }

    fn kind_name(&self) -> &'static str {
        "file"
    }
}
