#!/usr/bin/env bash
# Builds the getting-started crate (examples/outside, shown whole in docs/src/getting-started.md)
# the way a new user does: outside the workspace, with a fresh lockfile (the newest compatible
# versions of every dependency), and with every warning an error.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work="${SIGIL_OUTSIDE_DIR:-/var/tmp/sigil-outside}"
rm -rf "$work/crate"
mkdir -p "$work"
cp -r examples/outside "$work/crate"
# The page says to depend on a clone by path; point that path at this clone.
sed -i "s#path = \"../../sigil\"#path = \"$root/sigil\"#" "$work/crate/Cargo.toml"
cd "$work/crate"
export RUSTUP_TOOLCHAIN=1.95.0
export CARGO_TARGET_DIR="$work/target"
cargo generate-lockfile
grep -A1 '^name = "rustls"$' Cargo.lock | tr '\n' ' '
echo
RUSTFLAGS="-D warnings" cargo build -j2
