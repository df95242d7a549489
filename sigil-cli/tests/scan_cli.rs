//! `sigil scan`, `sigil redact` and `sigil pack`, run as a user runs them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn sigil(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sigil"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sigil runs");
    // A command that fails before reading its input closes the pipe early; that is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// A fresh directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sigil-scan-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

const KEY: &str = "AKIAQWERTYUIOPASDFGH";

#[test]
fn json_on_stdin_gives_json_lines_with_raw_offsets_and_exit_1() {
    let input = format!("{{\"a\":1}}\n{{\"text\":\"x\\n{KEY}\"}}\n");
    let out = sigil(&["scan", "--format", "json", "-"], input.as_bytes());
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    let hit = &lines[0];
    let start = hit["start"].as_u64().unwrap() as usize;
    let end = hit["end"].as_u64().unwrap() as usize;
    assert_eq!(&input[start..end], KEY);
    assert_eq!(hit["path"], "-");
    assert_eq!(hit["rule"], "aws-access-key-id");
    assert_eq!(hit["category"], "credential");
    assert_eq!(hit["severity"], "critical");
    assert_eq!(hit["line"], 2);
    assert!(!stdout(&out).contains(KEY), "the value is never printed");
}

#[test]
fn clean_input_exits_0_with_no_output() {
    let out = sigil(&["scan"], b"nothing to see here\n");
    assert_eq!(code(&out), 0);
    assert!(out.stdout.is_empty());
}

#[test]
fn directories_are_walked_skipping_git_and_binary_files() {
    let dir = temp_dir("walk");
    std::fs::create_dir_all(dir.join("src/deep")).unwrap();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::write(
        dir.join("src/deep/config.txt"),
        format!("a\nb\nkey {KEY}\n"),
    )
    .unwrap();
    std::fs::write(dir.join(".git/config"), KEY).unwrap();
    std::fs::write(dir.join("blob.bin"), format!("\0\0{KEY}")).unwrap();
    let out = sigil(&["scan", p(&dir)], b"");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    let expected = format!("{}:3:", p(&dir.join("src/deep/config.txt")));
    assert!(text.starts_with(&expected), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
fn a_missing_file_exits_2_and_says_which() {
    let out = sigil(&["scan", "/nonexistent/sigil-input"], b"");
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("/nonexistent/sigil-input"));
}

#[test]
fn redact_replaces_hits_and_keeps_json_valid() {
    let input = format!("{{\"mail\":\"jane@acme-corp.io\",\"k\":\"\\n{KEY}\"}}");
    let out = sigil(&["redact"], input.as_bytes());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let v: serde_json::Value = serde_json::from_str(&text).expect("still JSON");
    assert_eq!(v["mail"], "[SIGIL-VAULT: EMAIL:redacted]");
    assert_eq!(v["k"], "\n[SIGIL-VAULT: CLOUD_KEY:redacted]");
}

const USER_PACK: &str = r#"
[pack]
name = "acme"
version = "1"

[[rule]]
id = "acme-token"
name = "ACME internal token"
category = "credential"
severity = "high"
kind = "ApiKey"
keywords = ["acme_"]
pattern = '''\bacme_[a-f0-9]{16}\b'''
examples = ["acme_0123456789abcdef"]
"#;

#[test]
fn signed_packs_load_only_with_a_valid_signature_from_the_trusted_key() {
    let dir = temp_dir("signed");
    let key = dir.join("pack.key");
    let pack = dir.join("acme.toml");
    std::fs::write(&pack, USER_PACK).unwrap();

    let out = sigil(&["pack", "keygen", "--out", p(&key)], b"");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let public = dir.join("pack.key.pub");
    let out = sigil(&["pack", "sign", "--key", p(&key), p(&pack)], b"");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let sig = std::fs::read_to_string(dir.join("acme.toml.sig")).unwrap();
    assert!(sig.starts_with("sigil-pack-sig-v1 "));

    let out = sigil(&["pack", "verify", "--pubkey", p(&public), p(&pack)], b"");
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    let scan_args = [
        "scan",
        "--rules",
        p(&pack),
        "--pack-pubkey",
        p(&public),
        "--format",
        "json",
    ];
    let out = sigil(&scan_args, b"t acme_0123456789abcdef");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stdout(&out).contains("\"rule\":\"acme-token\""));

    // Tampering: loosen the pattern after signing.
    std::fs::write(&pack, USER_PACK.replace("{16}", "{4}")).unwrap();
    let out = sigil(&["pack", "verify", "--pubkey", p(&public), p(&pack)], b"");
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("modified after signing"),
        "{}",
        stderr(&out)
    );
    let out = sigil(&scan_args, b"t acme_0123456789abcdef");
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("refusing it"), "{}", stderr(&out));

    // Another key's signature is refused too.
    std::fs::write(&pack, USER_PACK).unwrap();
    let other = dir.join("other.key");
    assert_eq!(
        code(&sigil(&["pack", "keygen", "--out", p(&other)], b"")),
        0
    );
    let out = sigil(&["pack", "sign", "--key", p(&other), p(&pack)], b"");
    assert_eq!(code(&out), 0);
    let out = sigil(&scan_args, b"t acme_0123456789abcdef");
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("key other than the trusted"),
        "{}",
        stderr(&out)
    );

    // No signature at all.
    std::fs::remove_file(dir.join("acme.toml.sig")).unwrap();
    let out = sigil(&scan_args, b"");
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains(".sig does not exist"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn keygen_refuses_to_overwrite_and_sign_refuses_a_readable_key() {
    let dir = temp_dir("keys");
    let key = dir.join("k");
    assert_eq!(code(&sigil(&["pack", "keygen", "--out", p(&key)], b"")), 0);
    let out = sigil(&["pack", "keygen", "--out", p(&key)], b"");
    assert_eq!(code(&out), 2);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let pack = dir.join("p.toml");
        std::fs::write(&pack, USER_PACK).unwrap();
        let out = sigil(&["pack", "sign", "--key", p(&key), p(&pack)], b"");
        assert_eq!(code(&out), 2);
        assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
    }
}

#[test]
fn user_packs_alone_with_no_default_rules() {
    let dir = temp_dir("alone");
    let pack = dir.join("acme.toml");
    std::fs::write(&pack, USER_PACK).unwrap();
    let input = format!("acme_0123456789abcdef {KEY}");
    let out = sigil(
        &["scan", "--no-default-rules", "--rules", p(&pack)],
        input.as_bytes(),
    );
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(
        text.contains("acme-token") && !text.contains("aws"),
        "{text}"
    );
}

#[test]
fn pack_test_reports_failing_examples() {
    let dir = temp_dir("selftest");
    let pack = dir.join("bad.toml");
    std::fs::write(&pack, USER_PACK.replace("abcdef\"]", "abcdeg\"]")).unwrap();
    let out = sigil(&["pack", "test", p(&pack)], b"");
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("rule `acme-token`: example 0 is not found"));
    let out = sigil(&["pack", "test"], b"");
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn a_broken_pack_is_an_error_naming_the_file() {
    let dir = temp_dir("broken");
    let pack = dir.join("broken.toml");
    std::fs::write(&pack, "[pack]\nname = 1\n").unwrap();
    let out = sigil(&["scan", "--rules", p(&pack)], b"x");
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("broken.toml"), "{}", stderr(&out));
}
