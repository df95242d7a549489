//! Tests of the `sigil` macros: `tests/ui.rs` runs the trybuild compile-fail and compile-pass
//! cases; this library is a server written the way a strict user writes one, so that
//! `cargo clippy -p ui-tests --all-targets -- -D warnings -W clippy::pedantic` checks the
//! macros' expansion under strict lints (see `strict_user`).

#![deny(
    unused_qualifications,
    unused_imports,
    missing_docs,
    unreachable_pub,
    clippy::pedantic
)]

pub mod strict_user;
