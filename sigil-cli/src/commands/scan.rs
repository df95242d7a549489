//! `sigil scan` and `sigil redact`.

use std::ffi::OsString;
use std::process::ExitCode;

pub(crate) fn run_scan(_args: Vec<OsString>) -> ExitCode {
    eprintln!("sigil scan: not built yet");
    ExitCode::from(2)
}

pub(crate) fn run_redact(_args: Vec<OsString>) -> ExitCode {
    eprintln!("sigil redact: not built yet");
    ExitCode::from(2)
}
