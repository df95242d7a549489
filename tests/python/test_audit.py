"""A session with the official SDK leaves an audit log that `sigil audit verify` accepts, and
that it rejects once any line is edited."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from mcp import Client, MCPError, types

from conftest import bank, bank_env


def sigil_bin() -> str:
    path = os.environ.get("SIGIL_BIN")
    if not path or not Path(path).exists():
        pytest.fail("SIGIL_BIN must point at the built `sigil` binary")
    return path


def verify(log: Path, data_home: str) -> subprocess.CompletedProcess:
    return subprocess.run([sigil_bin(), "audit", "verify", str(log)], capture_output=True, text=True, timeout=60, env=bank_env(data_home))


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_session_log_verifies_and_edits_are_caught(mode):
    data_home = tempfile.mkdtemp(prefix="sigil-audit-")
    answers = iter([False, True])

    async def elicit(context, params):
        if next(answers):
            return types.ElicitResult(action="accept", content={"approve": True})
        return types.ElicitResult(action="decline")

    args = {"to_iban": "DE89370400440532013000", "amount_cents": 100}
    with bank("stdio", "high", data_home=data_home) as server:
        async with Client(server, mode=mode, elicitation_callback=elicit) as client:
            await client.call_tool("read_email", {})
            with pytest.raises(MCPError):
                await client.call_tool("transfer_funds", args)
            done = await client.call_tool("transfer_funds", args)
            audit_id = done.meta["org.sigil-protocol/envelope"]["audit_id"]

    log = Path(data_home) / "sigil" / "audit.jsonl"
    lines = log.read_text().splitlines()
    records = [json.loads(line) for line in lines]
    events = [r["event"] for r in records]
    for e in ("server_start", "call_allowed", "tool_result", "confirm_requested", "confirm_declined", "confirm_accepted"):
        assert e in events, (e, events)
    assert any(str(r["seq"]) == audit_id and r["event"] == "tool_result" for r in records), "the envelope names the record"
    text = log.read_text()
    assert "DE89370400440532013000" not in text, "no argument value in the audit log"

    ok = verify(log, data_home)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    # Edit one line (a record in the middle): verification must fail and name the line.
    i = next(k for k in range(len(lines) // 2, len(lines)) if '"principal":"local:' in lines[k])
    edited = lines[i].replace('"principal":"local:', '"principal":"local:x', 1)
    assert edited != lines[i]
    lines[i] = edited
    log.write_text("\n".join(lines) + "\n")
    bad = verify(log, data_home)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert str(i + 1) in (bad.stdout + bad.stderr)


@pytest.mark.anyio
async def test_a_self_asserted_sigil_identity_is_recorded_and_never_trusted():
    data_home = tempfile.mkdtemp(prefix="sigil-asserted-")
    claim = {"_sigil": {"identity": "did:sigil:admin", "trust_level": "high"}}
    with bank("stdio", "low", data_home=data_home) as server:
        async with Client(server, mode="legacy") as client:
            with pytest.raises(MCPError) as e:
                await client.call_tool("get_balance", {}, meta=claim)
            assert e.value.code == -32081, "claiming high trust does not lift a low caller"
            r = await client.call_tool("read_email", {}, meta=claim)
            assert r.meta["org.sigil-protocol/envelope"]["principal"].startswith("local:")
            assert r.meta["org.sigil-protocol/envelope"]["trust_level"] == "low"
    records = [json.loads(line) for line in (Path(data_home) / "sigil" / "audit.jsonl").read_text().splitlines()]
    asserted = [r for r in records if r["event"] == "self_asserted"]
    assert [r["tool"] for r in asserted] == ["get_balance", "read_email"]
    for r in asserted:
        assert r["principal"].startswith("local:"), "recorded under the verified principal"
        assert 'identity "did:sigil:admin"' in r["reason"] and 'trust_level "high"' in r["reason"]
        assert r["decision"] == "ignored"
    refused = [r for r in records if r["event"] == "call_refused"]
    assert refused and refused[0]["tool"] == "get_balance"
