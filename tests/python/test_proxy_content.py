"""Prompts and resources through `sigil proxy`: what server-everything serves comes through as it
sent it, and what a server puts in them that should not leave (a key, an IBAN, a key inside a
blob's bytes) comes back as a pointer or is withheld, with the read audited and no value in the
audit log. Official Python SDK as the client."""

from __future__ import annotations

import base64
import json
import os
import re
import sys
import tempfile
from pathlib import Path

import pytest
from mcp import Client, MCPError, StdioServerParameters

from test_proxy import FAKE_AWS, FAKE_IBAN, POINTER, direct, proxied, sigil_bin

FIXTURE = Path(__file__).with_name("fixtures") / "content_server.py"


def dumped(items) -> list[dict]:
    return [i.model_dump(mode="json", exclude_none=True) for i in items]


def untimed(contents: list[dict]) -> list[dict]:
    """server-everything stamps its dynamic resources with the time they were made."""
    out = []
    for c in contents:
        c = dict(c)
        if "blob" in c:
            c["blob"] = base64.b64decode(c["blob"]).decode()
        for k in ("text", "blob"):
            if k in c:
                c[k] = re.sub(r"\d+:\d\d:\d\d [AP]M", "TIME", c[k])
        out.append(c)
    return out


@pytest.mark.anyio
async def test_prompts_and_resources_come_through_as_the_upstream_serves_them():
    reads = ["demo://resource/dynamic/text/1", "demo://resource/dynamic/blob/1"]
    got = {}
    for name, server in (("direct", direct()), ("proxied", proxied()[0])):
        async with Client(server, mode="legacy") as client:
            caps = client.server_capabilities
            assert caps.prompts is not None and caps.resources is not None, name
            g = got[name] = {}
            g["prompts"] = dumped((await client.list_prompts()).prompts)
            g["simple"] = dumped((await client.get_prompt("simple-prompt")).messages)
            g["args"] = dumped((await client.get_prompt("args-prompt", {"city": "Paris", "state": "TX"})).messages)
            g["resources"] = dumped((await client.list_resources()).resources)
            g["templates"] = dumped((await client.list_resource_templates()).resource_templates)
            g["reads"] = [untimed(dumped((await client.read_resource(u)).contents)) for u in reads]
    assert got["proxied"] == got["direct"]
    assert got["direct"]["prompts"] and got["direct"]["resources"] and got["direct"]["templates"]
    assert "Paris, TX" in json.dumps(got["proxied"]["args"])
    assert "TIME" in got["proxied"]["reads"][0][0]["text"]
    assert "blob" in got["proxied"]["reads"][1][0], "a clean blob passes as bytes"


def content_server(home: Path) -> StdioServerParameters:
    env = {"PATH": os.environ["PATH"], "XDG_DATA_HOME": str(home / "data"), "RUST_LOG": "warn",
           "FIXTURE_AWS": FAKE_AWS, "FIXTURE_IBAN": FAKE_IBAN}
    (home / "policy.toml").write_text('[upstream]\nenv = ["FIXTURE_AWS", "FIXTURE_IBAN"]\n')
    args = ["proxy", "--config", str(home / "policy.toml"), "--audit", str(home / "audit"), "--quiet",
            "--", sys.executable, str(FIXTURE)]
    return StdioServerParameters(command=sigil_bin(), args=args, env=env)


@pytest.mark.anyio
async def test_secrets_in_prompts_and_resources_become_pointers_or_are_withheld():
    home = Path(tempfile.mkdtemp(prefix="sigil-proxy-content-"))
    async with Client(content_server(home), mode="legacy") as client:
        prompt = (await client.get_prompt("pay")).messages[0].content.text
        key = (await client.read_resource("note://key")).contents[0]
        blob = (await client.read_resource("note://key.bin")).contents[0]
        clean = (await client.read_resource("note://clean.bin")).contents[0]
        with pytest.raises(MCPError) as missing:
            await client.read_resource("note://missing")
    assert FAKE_IBAN not in prompt and POINTER.search(prompt).group(1) == "IBAN", prompt
    assert FAKE_AWS not in key.text and POINTER.search(key.text).group(1) == "CLOUD_KEY", key.text
    # A pointer cannot stand inside bytes: a blob that holds the key is withheld whole.
    assert not hasattr(blob, "blob") and "withheld" in blob.text and "CLOUD_KEY" in blob.text, blob
    assert base64.b64decode(clean.blob) == bytes(range(256)) * 4
    # The upstream's own error, code and message.
    assert missing.value.error.code == -32002 and "note://missing" in missing.value.error.message

    log = (home / "audit" / "audit.jsonl").read_text()
    assert FAKE_AWS not in log and FAKE_IBAN not in log
    records = [json.loads(line) for line in log.splitlines()]
    reads = [r["reason"] for r in records if r["event"] == "content_read"]
    assert reads == ["prompts/get pay", "resources/read note://key", "resources/read note://key.bin",
                     "resources/read note://clean.bin"], reads
    intercepted = [r for r in records if r["event"] == "scan_interception"]
    assert len(intercepted) == 3, intercepted


@pytest.mark.anyio
async def test_a_server_without_prompts_or_resources_announces_none():
    fixture = Path(__file__).with_name("fixtures") / "changing_server.py"
    home = Path(tempfile.mkdtemp(prefix="sigil-proxy-content-"))
    env = {"PATH": os.environ["PATH"], "XDG_DATA_HOME": str(home / "data"), "RUST_LOG": "warn"}
    args = ["proxy", "--audit", str(home / "audit"), "--quiet", "--", sys.executable, str(fixture)]
    async with Client(StdioServerParameters(command=sigil_bin(), args=args, env=env), mode="legacy") as client:
        caps = client.server_capabilities
        assert caps.prompts is None and caps.resources is None
        with pytest.raises(MCPError) as refused:
            await client.list_prompts()
        assert refused.value.error.code == -32601
