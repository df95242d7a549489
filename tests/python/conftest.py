"""Fixtures: the `bank` example over stdio or Streamable HTTP, driven by the official MCP SDK."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
from mcp import StdioServerParameters

BANK_BIN = os.environ.get("BANK_BIN")


def bank_bin() -> str:
    if not BANK_BIN or not Path(BANK_BIN).exists():
        pytest.fail("BANK_BIN must point at the built `bank` binary (cargo build -p sigil-examples --bin bank)")
    return BANK_BIN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def http_bank(trust: str, extra: list[str] | None = None):
    port = free_port()
    proc = subprocess.Popen(
        [bank_bin(), "--http", f"127.0.0.1:{port}", "--trust", trust, *(extra or [])],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"bank exited: {proc.stderr.read().decode()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            if time.monotonic() > deadline:
                raise TimeoutError("bank did not listen within 20 s")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def bank(transport: str, trust: str, extra: list[str] | None = None):
    """Yields what `mcp.Client` takes as its server: a URL or stdio parameters."""
    if transport == "http":
        with http_bank(trust, extra) as url:
            yield url
    else:
        yield StdioServerParameters(command=bank_bin(), args=["--trust", trust, *(extra or [])], env={"RUST_LOG": "warn", **os.environ})


@pytest.fixture
def anyio_backend():
    return "asyncio"
