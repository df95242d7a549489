#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what the tests need (a Python venv
# with the official MCP SDK, the MCP Inspector and Node 22, and the upstream servers `sigil proxy`
# is tested in front of, from npm with lockfiles), then
# `cargo test` for the workspace and pytest for the real-client tests.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/sigil-target}"
venv="${SIGIL_VENV:-/var/tmp/sigil-venv}"

echo "== installing test dependencies"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/python/requirements.txt
npm ci --prefix tests/inspector --no-audit --no-fund --loglevel=error
npm ci --prefix tests/upstream --no-audit --no-fund --loglevel=error
if [ -f tests/oidc/package-lock.json ]; then
  npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error
fi

echo "== cargo test"
cargo test -j2 --workspace

echo "== real clients (Python MCP SDK, MCP Inspector)"
cargo build -j2 -p sigil-tests --bin bank-e2e
cargo build -j2 -p sigil-cli --bin sigil -p sigil-examples --bin bank
export BANK_BIN="$CARGO_TARGET_DIR/debug/bank-e2e"
export SIGIL_BIN="$CARGO_TARGET_DIR/debug/sigil"
export EXAMPLE_BANK_BIN="$CARGO_TARGET_DIR/debug/bank"
cd "$root/tests/python"
"$venv/bin/python" -m pytest -q -p no:cacheprovider
