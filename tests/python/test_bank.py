"""The `bank` example driven by the official Python MCP SDK, over stdio and Streamable HTTP,
in both protocol eras: `mode="legacy"` (initialize + elicitation/create) and `mode="auto"`
(negotiates 2026-07-28, confirmation through InputRequiredResult and a retry)."""

from __future__ import annotations

import json

import pytest
from mcp import Client, MCPError, types

from conftest import bank

ENVELOPE = "org.sigil-protocol/envelope"
MATRIX = [(t, m) for t in ("stdio", "http") for m in ("legacy", "auto")]
TRUST_TOO_LOW = -32081
DECLINED = -32084
INVALID_PARAMS = -32602


def answering(approve: bool | None):
    """An elicitation callback: approve, decline (False) or cancel (None); records the messages."""
    asked: list[str] = []

    async def callback(context, params):
        asked.append(params.message)
        if approve is None:
            return types.ElicitResult(action="cancel")
        if approve:
            return types.ElicitResult(action="accept", content={"approve": True})
        return types.ElicitResult(action="decline")

    callback.asked = asked
    return callback


def envelope(result) -> dict:
    meta = result.meta or {}
    assert ENVELOPE in meta, f"no envelope in {meta}"
    return meta[ENVELOPE]


async def balance(client) -> dict:
    r = await client.call_tool("get_balance", {})
    return r.structured_content


def check_era(client, mode):
    version = client.session.protocol_version
    if mode == "auto":
        assert version == "2026-07-28", version
    else:
        assert version != "2026-07-28", version


@pytest.mark.anyio
@pytest.mark.parametrize("transport,mode", MATRIX)
async def test_tools_list_schemas_annotations_meta(transport, mode):
    with bank(transport, "high") as server:
        async with Client(server, mode=mode, elicitation_callback=answering(True)) as client:
            check_era(client, mode)
            tools = {t.name: t for t in (await client.list_tools()).tools}
            assert set(tools) == {"read_email", "get_balance", "transfer_funds", "close_account"}
            t = tools["transfer_funds"]
            schema = t.input_schema
            assert schema["properties"]["amount_cents"]["minimum"] == 1
            assert set(schema["required"]) == {"to_iban", "amount_cents"}
            text = json.dumps(schema)
            assert "uint64" not in text and '"null"' not in text
            assert not any(isinstance(p.get("type"), list) for p in schema["properties"].values())
            assert t.output_schema and "transfer_id" in t.output_schema["properties"]
            assert t.annotations.destructive_hint is True and t.annotations.read_only_hint is False
            assert t.meta["org.sigil-protocol/risk"] == "high"
            assert t.meta["org.sigil-protocol/trust"] == "high"
            assert tools["read_email"].annotations.read_only_hint is True
            assert tools["close_account"].meta["org.sigil-protocol/risk"] == "critical"
            assert tools["close_account"].meta["org.sigil-protocol/confirm"] is True
            assert "Transfer money" in t.description


@pytest.mark.anyio
@pytest.mark.parametrize("transport,mode", MATRIX)
async def test_each_tool_and_confirmation(transport, mode):
    with bank(transport, "high") as server:
        cb = answering(True)
        async with Client(server, mode=mode, elicitation_callback=cb) as client:
            r = await client.call_tool("read_email", {})
            assert not r.is_error
            assert "Subject: Rent" in r.content[0].text
            env = envelope(r)
            assert env["decision"] == "allowed" and env["trust_level"] == "high"
            assert env["principal"].startswith("local:")
            assert env["audit_id"]

            before = await balance(client)
            assert before["balance_cents"] == 100000 and before["transfers"] == 0

            r = await client.call_tool("transfer_funds", {"to_iban": "DE89370400440532013000", "amount_cents": 1250, "memo": "rent"})
            assert not r.is_error, r
            assert r.structured_content["amount_cents"] == 1250
            assert r.structured_content["to_account_suffix"] == "3000"
            assert envelope(r)["decision"] == "confirmed"
            assert len(cb.asked) == 1 and "amount_cents: 1250" in cb.asked[0]
            after = await balance(client)
            assert after == {"balance_cents": 100000 - 1250, "transfers": 1, "closed": False}

            r = await client.call_tool("close_account", {})
            assert not r.is_error and envelope(r)["decision"] == "confirmed"
            assert (await balance(client))["closed"] is True


@pytest.mark.anyio
@pytest.mark.parametrize("transport,mode", MATRIX)
@pytest.mark.parametrize("answer", [False, None], ids=["decline", "cancel"])
async def test_declined_transfer_does_not_run(transport, mode, answer):
    with bank(transport, "high") as server:
        async with Client(server, mode=mode, elicitation_callback=answering(answer)) as client:
            with pytest.raises(MCPError) as e:
                await client.call_tool("transfer_funds", {"to_iban": "DE89370400440532013000", "amount_cents": 500})
            assert e.value.code == DECLINED
            assert "not executed" in str(e.value.error.message)
            assert await balance(client) == {"balance_cents": 100000, "transfers": 0, "closed": False}


@pytest.mark.anyio
@pytest.mark.parametrize("transport,mode", MATRIX)
async def test_schema_violation_is_refused(transport, mode):
    with bank(transport, "high") as server:
        cb = answering(True)
        async with Client(server, mode=mode, elicitation_callback=cb) as client:
            # SEP-1303: a tool result with isError, naming the problem, so a model can fix it.
            for args in ({"to_iban": "DE89370400440532013000", "amount_cents": 0}, {"to_iban": 5, "amount_cents": 1}, {"amount_cents": 3}):
                result = await client.call_tool("transfer_funds", args)
                assert result.is_error, args
                assert "input schema" in result.content[0].text, args
            with pytest.raises(MCPError) as e:
                await client.call_tool("no_such_tool", {})
            assert e.value.code == INVALID_PARAMS
            assert cb.asked == [], "nothing that failed validation reached the confirmation"
            assert (await balance(client))["transfers"] == 0


@pytest.mark.anyio
@pytest.mark.parametrize("transport,mode", MATRIX)
async def test_low_trust_caller_is_refused_and_sees_less(transport, mode):
    with bank(transport, "low") as server:
        async with Client(server, mode=mode, elicitation_callback=answering(True)) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert names == {"read_email"}
            for tool in ("get_balance", "transfer_funds", "close_account"):
                with pytest.raises(MCPError) as e:
                    await client.call_tool(tool, {"to_iban": "DE89370400440532013000", "amount_cents": 1})
                assert e.value.code == TRUST_TOO_LOW, tool
                assert "requires trust level" in e.value.error.message


@pytest.mark.anyio
@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_mrtr_approval_is_bound_and_single_use(transport):
    """Drive the 2026-07-28 rounds by hand: the sealed state approves one call, once."""
    with bank(transport, "high") as server:
        # The callback declares elicitation support; the rounds below are driven by hand.
        async with Client(server, mode="auto", elicitation_callback=answering(True)) as client:
            check_era(client, "auto")
            args = {"to_iban": "DE89370400440532013000", "amount_cents": 700}
            first = await client.session.call_tool("transfer_funds", args, allow_input_required=True)
            assert isinstance(first, types.InputRequiredResult), first
            assert list(first.input_requests) == ["sigil_confirm"]
            yes = {"sigil_confirm": {"action": "accept", "content": {"approve": True}}}
            # Other arguments under the same state: refused, nothing runs.
            with pytest.raises(MCPError) as e:
                await client.session.call_tool("transfer_funds", {**args, "amount_cents": 70000}, input_responses=yes, request_state=first.request_state)
            assert e.value.code == -32086
            done = await client.session.call_tool("transfer_funds", args, input_responses=yes, request_state=first.request_state)
            assert not done.is_error and done.structured_content["amount_cents"] == 700
            # Replay of the same approval: refused.
            with pytest.raises(MCPError) as e:
                await client.session.call_tool("transfer_funds", args, input_responses=yes, request_state=first.request_state)
            assert e.value.code == -32086 and "already used" in e.value.error.message
            # An approval the server did not ask for is ignored: it asks again.
            again = await client.session.call_tool("transfer_funds", args, input_responses={"other": yes["sigil_confirm"]}, allow_input_required=True)
            assert isinstance(again, types.InputRequiredResult)
            assert (await balance(client))["transfers"] == 1


@pytest.mark.anyio
async def test_a_retry_is_not_charged_twice_and_a_forged_state_runs_nothing():
    """`transfer_funds` is 10/min: a confirmed call takes one token (the retry carrying the
    approval was charged when it was asked for), and a retry with a forged state is refused
    without running anything."""
    with bank("http", "high") as server:
        async with Client(server, mode="auto", elicitation_callback=answering(True)) as client:
            args = {"to_iban": "DE89370400440532013000", "amount_cents": 1}
            yes = {"sigil_confirm": {"action": "accept", "content": {"approve": True}}}
            for _ in range(12):
                with pytest.raises(MCPError) as e:
                    await client.session.call_tool("transfer_funds", args, input_responses=yes, request_state="rs1.forged.state")
                assert e.value.code == -32086, e.value.error
            assert (await balance(client))["transfers"] == 0
            ok = 0
            for _ in range(10):
                r = await client.call_tool("transfer_funds", args)
                ok += not r.is_error
            assert ok == 10, "ten confirmed transfers fit in 10/min"
            with pytest.raises(MCPError) as e:
                await client.call_tool("transfer_funds", args)
            assert e.value.code == -32083
            assert (await balance(client))["transfers"] == 10
