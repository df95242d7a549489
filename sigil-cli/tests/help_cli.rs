//! `sigil --help` is clap's, like every subcommand's: one look, one set of conventions.

use std::process::{Command, Output};

fn sigil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sigil"))
        .args(args)
        .output()
        .expect("sigil runs")
}

#[test]
fn the_top_level_help_lists_every_command_and_each_has_its_own() {
    let top = sigil(&["--help"]);
    assert_eq!(top.status.code(), Some(0));
    let text = String::from_utf8(top.stdout).unwrap();
    assert!(text.contains("Usage: sigil <COMMAND>"), "{text}");
    for command in ["scan", "redact", "pack", "audit", "keygen", "login"] {
        assert!(
            text.contains(&format!("\n  {command} ")),
            "{command} missing: {text}"
        );
        for asked in [vec!["help", command], vec![command, "--help"]] {
            let help = sigil(&asked);
            assert_eq!(help.status.code(), Some(0), "{asked:?}");
            let text = String::from_utf8(help.stdout).unwrap();
            assert!(
                text.contains(&format!("Usage: sigil {command}")),
                "{asked:?}: {text}"
            );
        }
    }
}

#[test]
fn no_command_or_an_unknown_one_is_a_usage_error() {
    let none = sigil(&[]);
    assert_eq!(none.status.code(), Some(2));
    let unknown = sigil(&["bogus"]);
    assert_eq!(unknown.status.code(), Some(2));
    let err = String::from_utf8(unknown.stderr).unwrap();
    assert!(err.contains("unrecognized subcommand 'bogus'"), "{err}");
    let version = sigil(&["--version"]);
    assert_eq!(version.status.code(), Some(0));
}
