//! `sigil audit` and `sigil keygen` as a user runs them, including a writer killed mid-stream.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn sigil(args: &[&str], data_home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sigil"))
        .args(args)
        .env("XDG_DATA_HOME", data_home)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

struct Setup {
    dir: tempfile::TempDir,
    log: PathBuf,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.jsonl");
        Self { dir, log }
    }
    fn home(&self) -> &Path {
        self.dir.path()
    }
    fn log(&self) -> &str {
        self.log.to_str().unwrap()
    }
    fn run(&self, args: &[&str]) -> Output {
        sigil(args, self.home())
    }
    fn append(&self, event: &str, principal: &str, count: &str) {
        let o = self.run(&[
            "audit",
            "append",
            self.log(),
            "--event",
            event,
            "--principal",
            principal,
            "--count",
            count,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

#[test]
fn keys_in_the_default_directory_make_verify_a_one_word_command() {
    let s = Setup::new();
    s.append("call_allowed", "local:alice", "3");
    s.append("call_refused", "local:eve", "1");
    assert!(
        s.home().join("sigil/audit-mac.key").exists(),
        "keys created under $XDG_DATA_HOME/sigil"
    );
    let o = s.run(&["audit", "verify", s.log()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).starts_with("OK: 6 records verified"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn an_edited_line_fails_with_its_line_number_and_class() {
    let s = Setup::new();
    s.append("call_refused", "local:eve", "4");
    let text = std::fs::read_to_string(&s.log).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let edited = lines[2].replace("call_refused", "call_allowed");
    lines[2] = &edited;
    std::fs::write(&s.log, lines.join("\n") + "\n").unwrap();
    let o = s.run(&["audit", "verify", s.log(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["status"], "failed");
    assert_eq!(report["failure"]["class"], "modified");
    assert_eq!(report["failure"]["line"], 3);
}

#[test]
fn wrong_key_is_not_reported_as_tampering() {
    let ours = Setup::new();
    ours.append("call_allowed", "local:alice", "3");
    let theirs = Setup::new();
    theirs.append("call_allowed", "local:bob", "3");
    let their_keys = theirs.home().join("sigil");
    let their_keys = their_keys.to_str().unwrap();
    let o = ours.run(&["audit", "verify", ours.log(), "--key-dir", their_keys]);
    assert_eq!(o.status.code(), Some(4), "{}", stdout(&o));
    let text = stdout(&o);
    let log = ours.log();
    let expected = format!(
        "FAILED: {log}: wrong_key: the audit key in {their_keys} does not belong to this log: "
    );
    assert!(text.starts_with(&expected), "{text}");
    assert!(!text.contains("modified"), "{text}");
    let o = ours.run(&[
        "audit",
        "verify",
        ours.log(),
        "--key-dir",
        their_keys,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(4));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["failure"]["class"], "wrong_key");
    assert_eq!(report["records"], 0);
    // With its own keys the same log verifies, and an edit to its first line is still tampering.
    assert_eq!(
        ours.run(&["audit", "verify", ours.log()]).status.code(),
        Some(0)
    );
    let text = std::fs::read_to_string(&ours.log).unwrap();
    std::fs::write(&ours.log, text.replacen("local:alice", "local:mallory", 1)).unwrap();
    let o = ours.run(&["audit", "verify", ours.log()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains(":1: modified: "), "{}", stdout(&o));
}

#[test]
fn explicit_key_files_and_an_outside_checkpoint_are_used() {
    let s = Setup::new();
    s.append("call_allowed", "local:alice", "5");
    let outside = s.home().join("kept-elsewhere.checkpoints");
    std::fs::copy(s.log.with_extension("jsonl.checkpoints"), &outside).unwrap();
    std::fs::remove_file(s.log.with_extension("jsonl.checkpoints")).unwrap();
    let key = s.home().join("sigil/audit-mac.key");
    let pubkey = s.home().join("sigil/audit-signing.pub");
    let (key, pubkey, outside) = (
        key.to_str().unwrap(),
        pubkey.to_str().unwrap(),
        outside.to_str().unwrap(),
    );
    let args = [
        "audit",
        "verify",
        s.log(),
        "--key",
        key,
        "--pubkey",
        pubkey,
        "--checkpoint",
        outside,
    ];
    assert_eq!(s.run(&args).status.code(), Some(0));
    // Cut the last two records: only the outside checkpoint can tell.
    let text = std::fs::read_to_string(&s.log).unwrap();
    let kept: Vec<&str> = text.lines().take(4).collect();
    std::fs::write(&s.log, kept.join("\n") + "\n").unwrap();
    let o = s.run(&args);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains(": truncated: "), "{}", stdout(&o));
}

#[test]
fn show_filters_and_prints_a_table_or_json_lines() {
    let s = Setup::new();
    s.append("call_allowed", "local:alice", "2");
    s.append("call_refused", "local:eve", "1");
    let o = s.run(&["audit", "show", s.log(), "--principal", "local:eve"]);
    let table = stdout(&o);
    assert!(table.lines().next().unwrap().starts_with("SEQ"), "{table}");
    assert!(
        table.contains("call_refused") && !table.contains("local:alice"),
        "{table}"
    );
    assert!(table.ends_with("1 records\n"));
    let o = s.run(&[
        "audit",
        "show",
        s.log(),
        "--event",
        "call_allowed",
        "--since",
        "2000-01-01",
        "--format",
        "json",
    ]);
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|r| r["principal"] == "local:alice"));
    let o = s.run(&["audit", "show", s.log(), "--since", "2999-01-01"]);
    assert!(stdout(&o).ends_with("0 records\n"));
}

#[test]
fn keygen_writes_private_keys_and_refuses_to_overwrite() {
    use std::os::unix::fs::PermissionsExt;
    let s = Setup::new();
    let out = s.home().join("k");
    let o = s.run(&["keygen", "--out", out.to_str().unwrap()]);
    assert!(o.status.success());
    for name in [
        "audit-mac.key",
        "audit-signing.key",
        "vault-1.key",
        "request-state-1.key",
    ] {
        assert_eq!(
            std::fs::metadata(out.join(name))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
    }
    let before = std::fs::read(out.join("audit-mac.key")).unwrap();
    let o = s.run(&["keygen", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read(out.join("audit-mac.key")).unwrap(), before);
    assert!(
        s.run(&["keygen", "--out", out.to_str().unwrap(), "--force"])
            .status
            .success()
    );
    assert_ne!(std::fs::read(out.join("audit-mac.key")).unwrap(), before);
    // --force replaces the audit keys only: a vault key that sealed records is never replaced.
    assert!(!out.join("vault-2.key").exists());
}

#[test]
fn keygen_rotate_adds_a_generation_and_needs_a_complete_directory() {
    let s = Setup::new();
    let out = s.home().join("k");
    let dir = out.to_str().unwrap();
    let o = s.run(&["keygen", "--rotate", "--out", dir]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("sigil keygen --out"), "{}", stderr(&o));
    assert!(s.run(&["keygen", "--out", dir]).status.success());
    let vault_1 = std::fs::read(out.join("vault-1.key")).unwrap();
    let o = s.run(&["keygen", "--rotate", "--out", dir]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("vault-2.key") && stdout(&o).contains("request-state-2.key"));
    assert_eq!(std::fs::read(out.join("vault-1.key")).unwrap(), vault_1);
    assert_eq!(
        s.run(&["keygen", "--rotate", "--force", "--out", dir])
            .status
            .code(),
        Some(2),
        "--force and --rotate do not go together"
    );
}

#[test]
fn a_writer_killed_mid_stream_leaves_a_log_that_verifies_up_to_the_crash() {
    let s = Setup::new();
    s.append("server_start", "local:ops", "1");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sigil"))
        .args([
            "audit",
            "append",
            s.log(),
            "--event",
            "call_allowed",
            "--principal",
            "local:bot",
        ])
        .args(["--count", "100000000"])
        .env("XDG_DATA_HOME", s.home())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::metadata(&s.log).map_or(0, |m| m.len()) < 3_000_000 && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no final checkpoint
    child.wait().unwrap();
    let o = s.run(&["audit", "verify", s.log()]);
    let first = stdout(&o);
    assert!(matches!(o.status.code(), Some(0 | 3)), "{first}");
    assert!(!first.contains("FAILED"), "{first}");

    // A crash inside a write leaves the start of a record without its newline (simulated by
    // appending the first bytes of one; a killed process normally stops between writes).
    let text = std::fs::read(&s.log).unwrap();
    let last_start = text[..text.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let partial = text[last_start..last_start + 100].to_vec();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&s.log)
        .unwrap();
    std::io::Write::write_all(&mut file, &partial).unwrap();
    drop(file);
    let o = s.run(&["audit", "verify", s.log()]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    assert!(stdout(&o).starts_with("TORN: "), "{}", stdout(&o));

    // The next writer cuts the torn line and continues the chain.
    s.append("server_start", "local:ops", "1");
    let o = s.run(&["audit", "verify", s.log()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn verify_of_a_directory_reports_each_replicas_chain_and_the_one_that_breaks() {
    let s = Setup::new();
    let chains = s.home().join("chains");
    for name in ["a", "b"] {
        std::fs::create_dir_all(chains.join(name)).unwrap();
        let log = chains.join(name).join("audit.jsonl");
        let o = s.run(&[
            "audit",
            "append",
            log.to_str().unwrap(),
            "--event",
            "call_allowed",
            "--count",
            "3",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let dir = chains.to_str().unwrap();
    let o = s.run(&["audit", "verify", dir]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert_eq!(out.matches("== ").count(), 2, "{out}");
    assert_eq!(out.matches("OK: ").count(), 2, "{out}");
    // Edit one record of b's chain: the report says which chain broke, and where.
    let b = chains.join("b").join("audit.jsonl");
    let text = std::fs::read_to_string(&b).unwrap();
    std::fs::write(&b, text.replacen("call_allowed", "call_refused", 1)).unwrap();
    let o = s.run(&["audit", "verify", dir, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let reports: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(reports.len(), 2);
    let broken: Vec<_> = reports.iter().filter(|r| r["status"] == "failed").collect();
    assert_eq!(broken.len(), 1);
    assert!(
        broken[0]["chain"]
            .as_str()
            .unwrap()
            .ends_with("b/audit.jsonl")
    );
    let empty = s.home().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let o = s.run(&["audit", "verify", empty.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no audit log"), "{}", stderr(&o));
}
