"""What a person sees who types at the server, or points something that is not an MCP client at
it: a JSON-RPC error for every line that is not MCP, and on closing, a message that says no
MCP session was started."""

from __future__ import annotations

import json
import subprocess
import tempfile

from conftest import bank_bin, bank_env


def test_lines_that_are_not_mcp_get_a_parse_error_and_the_exit_says_why():
    data_home = tempfile.mkdtemp(prefix="sigil-input-")
    done = subprocess.run([bank_bin()], input=b"hello\n{\"jsonrpc\": \"2.0\"\n", capture_output=True, timeout=30, env=bank_env(data_home))
    answers = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [a["error"]["code"] for a in answers] == [-32700, -32700], done.stdout
    assert all(a["id"] is None for a in answers)
    assert "hello" not in done.stdout.decode(), "the input is not echoed"
    assert done.returncode != 0
    err = done.stderr.decode()
    assert "no MCP session" in err and "initialize" in err, err


def test_the_banner_says_what_is_served_and_quiet_turns_it_off():
    data_home = tempfile.mkdtemp(prefix="sigil-banner-")
    done = subprocess.run([bank_bin(), "--trust", "low"], input=b"", capture_output=True, timeout=30, env=bank_env(data_home))
    err = done.stderr.decode()
    assert "bank 1.0: SIGIL-secured MCP server on stdio" in err, err
    assert "trust low" in err and "tools:    read_email\n" in err, err
    for hidden in ("get_balance (needs trust medium)", "transfer_funds (needs trust high)", "close_account (needs trust high)"):
        assert hidden in err, err
    assert f"audit:    {data_home}/sigil/audit.jsonl" in err, err
    assert "waiting for an MCP client on stdin" in err, err
    assert done.stdout == b"", "the banner never goes to stdout, where MCP is spoken"
    quiet = subprocess.run([bank_bin(), "--trust", "low", "--quiet"], input=b"", capture_output=True, timeout=30, env=bank_env(data_home))
    assert "SIGIL-secured" not in quiet.stderr.decode(), quiet.stderr.decode()
