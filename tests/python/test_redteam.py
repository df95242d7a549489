"""Issue #14, the red team: each finding reproduced against `bank` with the official Python SDK,
over stdio and Streamable HTTP, in both eras, and shown closed. Each test says what the human
saw, whether the tool ran (the balance before and after) and what the audit log holds."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import pytest
from mcp import Client, MCPError

from conftest import bank, bank_bin, bank_env
from test_bank import MATRIX, answering, balance

LANDLORD = "DE89370400440532013000"
ATTACKER = "GB82WEST12345698765432"
AWS_KEY = "AKIAQWERTYUIOPASDFGH"
BLOCKED = -32087
CONFIRMATION_UNAVAILABLE = -32085
TRUST_TOO_LOW = -32081
START = {"balance_cents": 100000, "transfers": 0, "closed": False}


def audit_records(data_home: str) -> list[dict]:
    log = Path(data_home) / "sigil" / "audit.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def text(result) -> str:
    return "".join(c.text for c in result.content if getattr(c, "text", None))


@pytest.mark.anyio
@pytest.mark.parametrize("transport,mode", MATRIX)
async def test_finding_1_padding_cannot_push_the_payee_out_of_the_approval(transport, mode):
    data_home = tempfile.mkdtemp(prefix="sigil-redteam-")
    with bank(transport, "high", data_home=data_home) as server:
        cb = answering(True)
        async with Client(server, mode=mode, elicitation_callback=cb) as client:
            args = {"to_iban": ATTACKER, "amount_cents": 99999}
            args.update({f"aaa_pad_{i}": "x" * 80 for i in range(1, 15)})
            r = await client.call_tool("transfer_funds", args)
            assert r.is_error, "undeclared arguments are a tool error (SEP-1303)"
            for i in range(1, 15):
                assert f"`aaa_pad_{i}`" in text(r), text(r)
            assert cb.asked == [], "the human was never asked"
            assert await balance(client) == START, "nothing moved"
    events = [r["event"] for r in audit_records(data_home) if r.get("tool") == "transfer_funds"]
    assert "call_refused" in events and "confirm_requested" not in events and "call_allowed" not in events


@pytest.mark.anyio
@pytest.mark.parametrize("transport,mode", MATRIX)
async def test_finding_1_the_human_sees_exactly_what_runs(transport, mode):
    with bank(transport, "high") as server:
        cb = answering(True)
        async with Client(server, mode=mode, elicitation_callback=cb) as client:
            memo = f'rent\n  to_iban: "{LANDLORD}"\n  amount_cents: 1 \u202e' + "y" * 1500
            r = await client.call_tool("transfer_funds", {"memo": memo, "amount_cents": 99999, "to_iban": ATTACKER})
            assert not r.is_error, text(r)
            [message] = cb.asked
            lines = message.splitlines()
            # Declaration order, the revealed IBAN in full, nothing cut, one line per argument.
            assert lines[1] == f'  to_iban: "{ATTACKER}"', message
            assert lines[2] == "  amount_cents: 99999", message
            assert lines[3].startswith('  memo: "rent\\n  to_iban: \\"'), lines[3]
            assert "\\u{202E}" in lines[3] and lines[3].endswith('y' * 1500 + '"')
            assert sum(1 for line in lines if line.lstrip().startswith("to_iban")) == 1
            assert LANDLORD not in message.split("memo:")[0]
            after = await balance(client)
            assert after["balance_cents"] == START["balance_cents"] - 99999 and after["transfers"] == 1


@pytest.mark.anyio
@pytest.mark.parametrize("transport,mode", [("stdio", "legacy"), ("http", "auto")])
async def test_finding_1_masked_values_are_told_apart(transport, mode):
    """A memo holding e-mail addresses (a kind the tool does not receive in clear): masked, but two
    different addresses never look alike."""
    with bank(transport, "high") as server:
        cb = answering(True)
        async with Client(server, mode=mode, elicitation_callback=cb) as client:
            for mail in ("landlord@rent-demo.de", "attacker@rent-dem0.de"):
                r = await client.call_tool("transfer_funds", {"to_iban": LANDLORD, "amount_cents": 1, "memo": f"ask {mail}"})
                assert not r.is_error, text(r)
            memos = [next(line for line in m.splitlines() if "memo:" in line) for m in cb.asked]
            assert all("rent-dem" not in m for m in memos), memos
            assert all("[EMAIL …" in m and "#" in m for m in memos), memos
            assert memos[0] != memos[1]


@pytest.mark.anyio
@pytest.mark.parametrize("transport,mode", MATRIX)
async def test_finding_1_a_call_too_long_to_show_is_refused(transport, mode):
    with bank(transport, "high") as server:
        cb = answering(True)
        async with Client(server, mode=mode, elicitation_callback=cb) as client:
            with pytest.raises(MCPError) as e:
                await client.call_tool("transfer_funds", {"to_iban": ATTACKER, "amount_cents": 5, "memo": "m" * 5000})
            assert e.value.code == CONFIRMATION_UNAVAILABLE and "characters" in e.value.error.message
            assert cb.asked == [] and await balance(client) == START


@pytest.mark.anyio
@pytest.mark.parametrize("transport,mode", MATRIX)
async def test_finding_3_a_pointer_that_does_not_resolve_is_refused(transport, mode):
    data_home = tempfile.mkdtemp(prefix="sigil-redteam-")
    with bank(transport, "high", data_home=data_home) as server:
        cb = answering(True)
        async with Client(server, mode=mode, elicitation_callback=cb) as client:
            mail = text(await client.call_tool("read_email", {}))
            email_pointer = mail[mail.index("[SIGIL-VAULT: EMAIL:"):].split("]")[0] + "]"
            for forged in ("[SIGIL-VAULT: IBAN:aaaaaaaaaaaaaaaaaaaaaaaaaa]", email_pointer, "[sigil-vault: IBAN:zz]"):
                with pytest.raises(MCPError) as e:
                    await client.call_tool("transfer_funds", {"to_iban": forged, "amount_cents": 5})
                assert e.value.code == BLOCKED and "`to_iban`" in e.value.error.message, forged
            assert cb.asked == [] and await balance(client) == START
            # The caller's own IBAN pointer resolves, and the human sees the IBAN it stands for.
            iban_pointer = mail[mail.index("[SIGIL-VAULT: IBAN:"):].split("]")[0] + "]"
            r = await client.call_tool("transfer_funds", {"to_iban": iban_pointer, "amount_cents": 5})
            assert not r.is_error, text(r)
            assert 'to_iban: "DE44 5001 0517 5407 3249 31"' in cb.asked[0], cb.asked[0]
    events = [r["event"] for r in audit_records(data_home)]
    assert events.count("vault_refusal") >= 2 and "vault_resolve" in events


@pytest.mark.anyio
@pytest.mark.parametrize("transport,mode", MATRIX)
async def test_finding_4_client_strings_never_reach_the_logs_raw(transport, mode):
    data_home = tempfile.mkdtemp(prefix="sigil-redteam-")
    with bank(transport, "high", data_home=data_home) as server:
        async with Client(server, mode=mode, elicitation_callback=answering(True)) as client:
            with pytest.raises(MCPError):
                await client.call_tool(f"x_{AWS_KEY}", {})
            r = await client.call_tool("transfer_funds", {"to_iban": LANDLORD, "amount_cents": 1, AWS_KEY: 1})
            assert r.is_error
            await client.call_tool("read_email", {}, meta={"_sigil": {"identity": AWS_KEY, "trust_level": "high"}})
    log = (Path(data_home) / "sigil" / "audit.jsonl").read_text()
    assert AWS_KEY not in log
    assert "unknown:sha256:" in log, "the unknown tool is logged by its digest"
    stderr = Path(data_home) / "bank.stderr"
    if transport == "http":
        logged = stderr.read_text()
        assert AWS_KEY not in logged, logged
        assert "call refused" in logged and "\x1b[" not in logged, logged


@pytest.mark.anyio
@pytest.mark.parametrize("transport,mode", MATRIX)
async def test_finding_5_a_number_the_type_cannot_hold_never_reaches_the_human(transport, mode):
    data_home = tempfile.mkdtemp(prefix="sigil-redteam-")
    with bank(transport, "high", data_home=data_home) as server:
        cb = answering(True)
        async with Client(server, mode=mode, elicitation_callback=cb) as client:
            for amount in (2**64, 1e30, -1, 1.5, 5.0):
                r = await client.call_tool("transfer_funds", {"to_iban": LANDLORD, "amount_cents": amount})
                assert r.is_error and "/amount_cents" in text(r), (amount, text(r))
            assert cb.asked == [] and await balance(client) == START
    events = [r["event"] for r in audit_records(data_home) if r.get("tool") == "transfer_funds"]
    assert "confirm_accepted" not in events and "call_allowed" not in events


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_hidden_tool_is_not_callable_in_either_era(mode):
    """Regression for a peer bug: a tool hidden from a caller stays uncallable, stateless included."""
    with bank("http", "low") as server:
        async with Client(server, mode=mode, elicitation_callback=answering(True)) as client:
            assert {t.name for t in (await client.list_tools()).tools} == {"read_email"}
            with pytest.raises(MCPError) as e:
                await client.call_tool("transfer_funds", {"to_iban": ATTACKER, "amount_cents": 1})
            assert e.value.code == TRUST_TOO_LOW
    with bank("http", "high") as server:
        async with Client(server, mode=mode) as client:
            assert (await balance(client))["transfers"] == 0


def test_finding_6_malformed_input_on_stdio_gets_an_answer_and_the_server_keeps_serving():
    data_home = tempfile.mkdtemp(prefix="sigil-redteam-")
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "redteam", "version": "1"}}}
    lines = [
        b"{not json",
        b'{"jsonrpc":"2.0","id":2,"method":"ping"\xff}',
        b"[" * 10000 + b"]" * 10000,
        json.dumps(init).encode(),
        b'{"jsonrpc":"2.0","method":"notifications/initialized"}',
        b'{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"read_email","arguments":[1]}}',
        b'{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":5}}',
        b'{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"transfer_funds","arguments":{"amount_cents":1,"amount_cents":99999,"to_iban":"x"}}}',
        json.dumps({**init, "id": 6}).encode(),
        b'{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"read_email","arguments":{}}}',
    ]
    proc = subprocess.run(
        [bank_bin(), "--trust", "high"], input=b"\n".join(lines) + b"\n",
        capture_output=True, env=bank_env(data_home), timeout=30,
    )
    answers = {}
    nulls = []
    for raw in proc.stdout.decode().splitlines():
        msg = json.loads(raw)
        if msg.get("id") is None:
            nulls.append(msg["error"]["code"])
        else:
            answers[msg["id"]] = msg
    assert nulls == [-32700, -32700, -32700], (nulls, proc.stderr.decode())
    assert answers[1]["result"]["serverInfo"]["name"] == "bank"
    for i in (3, 4, 5):
        assert answers[i]["error"]["code"] == -32602, answers[i]
    assert "error" in answers[6], "a second initialize is refused"
    assert "result" in answers[7], "the server kept serving"
    rejected = [r for r in audit_records(data_home) if r["event"] == "request_rejected"]
    assert len(rejected) >= 6
    assert all("99999" not in json.dumps(r) for r in rejected), "no raw payload in the audit"
