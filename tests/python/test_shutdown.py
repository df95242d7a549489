"""SIGINT and SIGTERM stop the server cleanly: exit 0, the stop recorded, and a final signed
checkpoint that covers every record, as `sigil audit verify` reports."""

from __future__ import annotations

import json
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from mcp import Client

from conftest import bank_bin, bank_env, free_port
from test_audit import verify


def rpc(proc: subprocess.Popen, message: dict) -> dict | None:
    proc.stdin.write((json.dumps(message) + "\n").encode())
    proc.stdin.flush()
    if "id" not in message:
        return None
    return json.loads(proc.stdout.readline())


def assert_closed_with_final_checkpoint(data_home: str) -> None:
    log = Path(data_home) / "sigil" / "audit.jsonl"
    records = [json.loads(line) for line in log.read_text().splitlines()]
    events = [r["event"] for r in records]
    assert events[-2:] == ["server_stop", "checkpoint"], events
    done = verify(log, data_home)
    assert done.returncode == 0, done.stdout + done.stderr
    n = len(records)
    assert f"OK: {n} records verified" in done.stdout, done.stdout
    assert f"the largest covers {n}" in done.stdout, "the final checkpoint covers every record: " + done.stdout


def test_sigint_on_stdio_ends_the_session_with_a_final_checkpoint():
    data_home = tempfile.mkdtemp(prefix="sigil-sigint-")
    stderr = (Path(data_home) / "bank.stderr").open("wb")
    proc = subprocess.Popen([bank_bin(), "--trust", "high"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, env=bank_env(data_home))
    try:
        init = rpc(proc, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
        assert init["result"]["serverInfo"]["name"] == "bank", init
        rpc(proc, {"jsonrpc": "2.0", "method": "notifications/initialized"})
        called = rpc(proc, {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "read_email", "arguments": {}}})
        assert called["result"]["isError"] is False, called
        # Mid-session: stdin stays open, as with a client that is still connected.
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0, (Path(data_home) / "bank.stderr").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
        stderr.close()
    assert_closed_with_final_checkpoint(data_home)


@pytest.mark.anyio
async def test_sigterm_on_http_ends_with_a_final_checkpoint():
    data_home = tempfile.mkdtemp(prefix="sigil-sigterm-")
    port = free_port()
    stderr = (Path(data_home) / "bank.stderr").open("wb")
    proc = subprocess.Popen([bank_bin(), "--http", f"127.0.0.1:{port}", "--trust", "high"], stdout=subprocess.DEVNULL, stderr=stderr, env=bank_env(data_home))
    try:
        deadline = time.monotonic() + 20
        while "SIGIL-secured MCP server on Streamable HTTP" not in (Path(data_home) / "bank.stderr").read_text():
            assert proc.poll() is None, (Path(data_home) / "bank.stderr").read_text()
            assert time.monotonic() < deadline, "bank did not start within 20 s"
            time.sleep(0.05)
        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
            await client.call_tool("read_email", {})
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0, (Path(data_home) / "bank.stderr").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
        stderr.close()
    assert_closed_with_final_checkpoint(data_home)
