//! `sigil keygen`.

use std::ffi::OsString;
use std::process::ExitCode;

pub(crate) fn run(_args: Vec<OsString>) -> ExitCode {
    eprintln!("sigil keygen: not built yet");
    ExitCode::from(2)
}
