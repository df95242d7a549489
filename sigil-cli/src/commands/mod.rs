//! One module per subcommand.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

pub(crate) mod audit;
pub(crate) mod keygen;
pub(crate) mod login;
pub(crate) mod pack;
pub(crate) mod progress;
pub(crate) mod proxy;
pub(crate) mod proxy_content;
pub(crate) mod proxy_lint;
pub(crate) mod proxy_pins;
pub(crate) mod proxy_policy;
pub(crate) mod proxy_upstream;
pub(crate) mod scan;
pub(crate) mod scan_stream;

/// Parses arguments with clap; on `--help` or a usage error, prints and returns the exit code.
pub(crate) fn parse<T: Parser>(args: Vec<OsString>) -> Result<T, ExitCode> {
    T::try_parse_from(args).map_err(|e| {
        let _ = e.print();
        if e.use_stderr() {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        }
    })
}
