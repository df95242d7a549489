"""The MCP Inspector CLI (a client we did not write) against the bank example: over stdio, and over
HTTP with bearer tokens from a real OpenID provider."""

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
    env = {**os.environ, "PATH": f"{node_bin}:{os.environ['PATH']}", "MCP_CATALOG_PATH": str(tmp_path / "catalog.json"), "XDG_DATA_HOME": str(tmp_path / "data")}
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


def inspector_http(url: str, *args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    launcher = INSPECTOR_DIR / "node_modules" / ".bin" / "mcp-inspector"
    node_bin = INSPECTOR_DIR / "node_modules" / ".bin"
    if not launcher.exists():
        pytest.fail("the MCP Inspector is not installed: run `npm ci --prefix tests/inspector`")
    env = {**os.environ, "PATH": f"{node_bin}:{os.environ['PATH']}", "MCP_CATALOG_PATH": str(tmp_path / "catalog.json")}
    return subprocess.run([str(launcher), "--cli", url, "--transport", "http", *args], capture_output=True, text=True, timeout=120, env=env)


def test_inspector_over_http_with_bearer_tokens_from_the_real_provider(tmp_path):
    """bank as an OAuth resource server (real `oidc-provider`, see test_oidc.py); the Inspector
    sends the token as a header. Needs `npm ci --prefix tests/oidc`."""
    from test_oidc import oidc_bank, provider, token
    from conftest import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    with provider(url) as issuer, oidc_bank(port, issuer):
        low = token(issuer, url, "client-low", "bank:read bank:transfer")
        high = token(issuer, url, "client-high", "bank:read bank:transfer")
        p = inspector_http(url, "--method", "tools/list", "--header", f"Authorization: Bearer {low}", tmp_path=tmp_path)
        assert p.returncode == 0, f"stdout: {p.stdout}\nstderr: {p.stderr}"
        assert [t["name"] for t in json.loads(p.stdout)["tools"]] == ["read_email"]
        p = inspector_http(url, "--method", "tools/list", "--header", f"Authorization: Bearer {high}", tmp_path=tmp_path)
        assert p.returncode == 0, p.stderr
        assert {t["name"] for t in json.loads(p.stdout)["tools"]} == {"read_email", "get_balance", "transfer_funds", "close_account"}
        p = inspector_http(url, "--method", "tools/call", "--tool-name", "get_balance", "--header", f"Authorization: Bearer {high}", tmp_path=tmp_path)
        assert p.returncode == 0, p.stderr
        env = json.loads(p.stdout)["_meta"]["org.sigil-protocol/envelope"]
        assert env["principal"] == f"oidc:{issuer}#client-high" and env["trust_level"] == "high"
        # Without a token: the Inspector reads the 401 challenge as "OAuth needed" (it would start
        # a browser login on a terminal) and lists nothing.
        p = inspector_http(url, "--method", "tools/list", tmp_path=tmp_path)
        assert p.returncode != 0
        assert "auth_required" in p.stderr, p.stderr
        assert "read_email" not in p.stdout
