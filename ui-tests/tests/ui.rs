//! Compile-fail cases (one mistake each, named after it, with the compiler's message pinned in
//! the `.stderr` beside it) and compile-pass cases for every supported shape.
//!
//! The `.stderr` files match the toolchain pinned in `rust-toolchain.toml`. After a deliberate
//! change to a message: `TRYBUILD=overwrite cargo test -p ui-tests --test ui`, then review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/fail/*.rs");
    t.pass("tests/pass/*.rs");
}
