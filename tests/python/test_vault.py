"""Scanning and the vault, seen from the official SDK: secrets in results reach the client as
opaque pointers, and a tool that declares `reveal = [Iban]` gets the IBAN behind its pointer."""

from __future__ import annotations

import re

import pytest
from mcp import Client, MCPError, types

from conftest import bank

BASE64_ATTACHMENT = "ZGVwbG95IGNyZWRlbnRpYWxzLCBhY2Nlc3Mga2V5OiBBS0lBUTdQTE1ONFJUWDJaV0I1Swo="
POINTER = re.compile(r"\[SIGIL-VAULT: ([A-Z_]+):([a-z2-7]{26})\]")
IBAN = "DE44 5001 0517 5407 3249 31"
AWS_KEY = "AKIAZ3MHQX7RTB4LWKPN"
BLOCKED = -32087
EMAILS = ("alice.weber@postfach-demo.de", "ops-team@corp-demo.eu")


async def approve(context, params):
    return types.ElicitResult(action="accept", content={"approve": True})


@pytest.mark.anyio
@pytest.mark.parametrize("transport,mode", [("stdio", "legacy"), ("http", "auto")])
async def test_read_email_returns_pointers_and_transfer_resolves_the_iban(transport, mode):
    with bank(transport, "high") as server:
        async with Client(server, mode=mode, elicitation_callback=approve) as client:
            r = await client.call_tool("read_email", {})
            text = r.content[0].text
            for secret in (IBAN, IBAN.replace(" ", ""), AWS_KEY, *EMAILS):
                assert secret not in text, f"{secret} reached the client"
            kinds = [k for k, _ in POINTER.findall(text)]
            assert "IBAN" in kinds and "CLOUD_KEY" in kinds and "EMAIL" in kinds, text
            # The key inside the base64 attachment is found by decoding: the whole run is a pointer.
            assert BASE64_ATTACHMENT not in text and "AKIAQ7PLMN4RTX2ZWB5K" not in text, text
            assert kinds.count("CLOUD_KEY") == 2, text
            assert "Attached, base64: [SIGIL-VAULT: CLOUD_KEY:" in text, text
            env = r.meta["org.sigil-protocol/envelope"]
            assert env["scanned"] is True and env["interceptions"] >= 3, env

            iban_pointer = next(m.group(0) for m in POINTER.finditer(text) if m.group(1) == "IBAN")
            done = await client.call_tool("transfer_funds", {"to_iban": iban_pointer, "amount_cents": 900})
            assert not done.is_error, done
            # The tool saw the real IBAN (its suffix), the client never did.
            assert done.structured_content["to_account_suffix"] == IBAN.replace(" ", "")[-4:]
            assert IBAN.replace(" ", "") not in str(done.model_dump())


@pytest.mark.anyio
async def test_a_pointer_does_not_resolve_for_another_tool_kind_or_server():
    with bank("stdio", "high") as server:
        async with Client(server, mode="legacy", elicitation_callback=approve) as client:
            text = (await client.call_tool("read_email", {})).content[0].text
            cloud_pointer = next(m.group(0) for m in POINTER.finditer(text) if m.group(1) == "CLOUD_KEY")
            # transfer_funds may see IBANs only: a CLOUD_KEY pointer does not resolve, and the
            # call is refused (issue #14: the tool never runs with the pointer text).
            with pytest.raises(MCPError) as e:
                await client.call_tool("transfer_funds", {"to_iban": cloud_pointer, "amount_cents": 1})
            assert e.value.code == BLOCKED and "`to_iban`" in e.value.error.message
            assert (await client.call_tool("get_balance", {})).structured_content["transfers"] == 0
    # Another server (another vault, another session) cannot resolve this one's pointers.
    with bank("stdio", "high") as server:
        async with Client(server, mode="legacy", elicitation_callback=approve) as client:
            iban_pointer = next(m.group(0) for m in POINTER.finditer(text) if m.group(1) == "IBAN")
            with pytest.raises(MCPError) as e:
                await client.call_tool("transfer_funds", {"to_iban": iban_pointer, "amount_cents": 1})
            assert e.value.code == BLOCKED
            assert (await client.call_tool("get_balance", {})).structured_content["transfers"] == 0


DEPLOY_SECRET = "q8Zt3Vn0Lw5Rk2Yp7Hs9Jd4Mf6Gb1Xc/Ua+Ee0Ti"


@pytest.mark.anyio
@pytest.mark.parametrize("transport,mode", [("stdio", "legacy"), ("http", "auto")])
async def test_a_key_anchored_secret_in_structured_content_comes_back_as_a_pointer(transport, mode):
    with bank(transport, "low", ["--deploy-tool"]) as server:
        async with Client(server, mode=mode) as client:
            r = await client.call_tool("read_deploy_config", {})
            under_key = r.structured_content["deploy"]["aws_secret_access_key"]
            assert POINTER.fullmatch(under_key), r.structured_content
            assert POINTER.fullmatch(under_key).group(1) == "CLOUD_KEY"
            assert r.structured_content["deploy"]["region"] == "eu-central-1"
            # The same 40 characters under an ordinary key are no finding: only the key marks them.
            assert r.structured_content["checksum"] == DEPLOY_SECRET
            # The text block for older clients says the same pointer, not the secret.
            text = r.content[0].text
            assert under_key in text and text.count(DEPLOY_SECRET) == 1, text
            assert r.meta["org.sigil-protocol/envelope"]["interceptions"] == 1
