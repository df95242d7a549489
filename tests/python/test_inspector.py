"""The MCP Inspector CLI (a client we did not write) against the bank example over stdio."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import bank_bin

INSPECTOR_DIR = Path(__file__).resolve().parent.parent / "inspector"


def inspector(*args: str, trust: str = "high", tmp_path: Path) -> subprocess.CompletedProcess:
    launcher = INSPECTOR_DIR / "node_modules" / ".bin" / "mcp-inspector"
    node_bin = INSPECTOR_DIR / "node_modules" / ".bin"
    if not launcher.exists():
        pytest.fail("the MCP Inspector is not installed: run `npm ci --prefix tests/inspector`")
    env = {**os.environ, "PATH": f"{node_bin}:{os.environ['PATH']}", "MCP_CATALOG_PATH": str(tmp_path / "catalog.json")}
    return subprocess.run(
        [str(launcher), "--cli", bank_bin(), "--trust", trust, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_inspector_lists_tools_strictly(tmp_path):
    p = inspector("--method", "tools/list", "--strict", tmp_path=tmp_path)
    assert p.returncode == 0, f"exit {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    tools = {t["name"]: t for t in json.loads(p.stdout)["tools"]}
    assert set(tools) == {"read_email", "get_balance", "transfer_funds", "close_account"}
    assert tools["transfer_funds"]["inputSchema"]["properties"]["amount_cents"]["minimum"] == 1
    assert tools["transfer_funds"]["_meta"]["org.sigil-protocol/risk"] == "high"


def test_inspector_low_trust_sees_one_tool(tmp_path):
    p = inspector("--method", "tools/list", trust="low", tmp_path=tmp_path)
    assert p.returncode == 0, p.stderr
    assert [t["name"] for t in json.loads(p.stdout)["tools"]] == ["read_email"]


def test_inspector_calls_a_tool(tmp_path):
    p = inspector("--method", "tools/call", "--tool-name", "read_email", tmp_path=tmp_path)
    assert p.returncode == 0, f"stdout: {p.stdout}\nstderr: {p.stderr}"
    result = json.loads(p.stdout)
    assert "Subject: Rent" in result["content"][0]["text"]
    assert result["_meta"]["org.sigil-protocol/envelope"]["decision"] == "allowed"
