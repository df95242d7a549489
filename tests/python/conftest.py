"""Fixtures: the `bank` example over stdio or Streamable HTTP, driven by the official MCP SDK."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from mcp import StdioServerParameters

BANK_BIN = os.environ.get("BANK_BIN")


def bank_bin() -> str:
    if not BANK_BIN or not Path(BANK_BIN).exists():
        pytest.fail("BANK_BIN must point at the built `bank-e2e` binary (cargo build -p sigil-tests --bin bank-e2e)")
    return BANK_BIN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bank_env(data_home: str) -> dict[str, str]:
    """A private data directory per server: its own audit log and keys."""
    return {**os.environ, "XDG_DATA_HOME": data_home, "RUST_LOG": "warn"}


def wait_listening(proc: subprocess.Popen, port: int, stderr_path: Path, what: str) -> None:
    """Waits until `proc` listens on 127.0.0.1:`port` (20 s at most); fails with its stderr if it exits."""
    deadline = time.monotonic() + 20
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited: {stderr_path.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not listen within 20 s")
        time.sleep(0.05)


@contextlib.contextmanager
def http_bank(trust: str, extra: list[str] | None = None, data_home: str | None = None):
    port = free_port()
    data_home = data_home or tempfile.mkdtemp(prefix="sigil-test-")
    # stderr goes to a file beside the audit log, so tests can read what the server logged.
    stderr_path = Path(data_home) / "bank.stderr"
    stderr = stderr_path.open("wb")
    proc = subprocess.Popen(
        [bank_bin(), "--http", f"127.0.0.1:{port}", "--trust", trust, *(extra or [])],
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        env=bank_env(data_home),
    )
    try:
        wait_listening(proc, port, stderr_path, "bank")
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
        stderr.close()


@contextlib.contextmanager
def bank(transport: str, trust: str, extra: list[str] | None = None, data_home: str | None = None):
    """Yields what `mcp.Client` takes as its server: a URL or stdio parameters."""
    data_home = data_home or tempfile.mkdtemp(prefix="sigil-test-")
    if transport == "http":
        with http_bank(trust, extra, data_home) as url:
            yield url
    else:
        yield StdioServerParameters(command=bank_bin(), args=["--trust", trust, *(extra or [])], env=bank_env(data_home))


@pytest.fixture
def anyio_backend():
    return "asyncio"
