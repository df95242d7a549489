"""Two `bank` replicas behind a round-robin load balancer, sharing one real Redis and one key
directory, driven by the official Python MCP SDK in the 2026-07-28 era (issue #17): every
request lands on the other replica than the one before, so a confirmation asked for by one is
answered on the other, and a vault pointer minted by one is resolved by the other."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from mcp import Client, MCPError, types

from conftest import bank_bin, bank_env, free_port, wait_listening
from round_robin import RoundRobin
from test_audit import sigil_bin
from test_vault import IBAN

POINTER = re.compile(r"\[SIGIL-VAULT: ([A-Z_]+):([a-z2-7]{26})\]")
RATE_LIMITED = -32083
CONFIRMATION_INVALID = -32086
BLOCKED = -32087
STATE_UNAVAILABLE = -32089


async def approve(context, params):
    return types.ElicitResult(action="accept", content={"approve": True})


class Redis:
    """A real redis-server on a free loopback port, nothing persisted."""

    def __init__(self):
        if not shutil.which("redis-server"):
            pytest.fail("redis-server must be installed (apt install redis-server; .ci/run does)")
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc:
            self.proc.kill()
            self.proc.wait(timeout=5)
            self.proc = None


class Cluster:
    """A key directory from `sigil keygen`, two replicas on it and on Redis, a balancer in front."""

    def __init__(self, redis: Redis):
        self.home = Path(tempfile.mkdtemp(prefix="sigil-replicas-"))
        self.keys = self.home / "keys"
        made = subprocess.run([sigil_bin(), "keygen", "--out", str(self.keys)], capture_output=True, text=True, timeout=60)
        assert made.returncode == 0, made.stderr
        self.redis = redis
        self.replicas: dict[int, subprocess.Popen] = {}
        self.logs: dict[int, Path] = {}
        self.names: dict[int, str] = {}
        for name in ("a", "b"):
            self.start_replica(name)
        self.lb = RoundRobin(list(self.replicas))

    def start_replica(self, name: str, port: int | None = None) -> None:
        port = port or free_port()
        home = self.home / name
        home.mkdir(exist_ok=True)
        # Each replica's own chain; one directory holds them all, as an operator collects them.
        (self.home / "audit").mkdir(exist_ok=True)
        log = self.home / "audit" / f"{name}.jsonl"
        stderr_path = home / "bank.stderr"
        proc = subprocess.Popen(
            [bank_bin(), "--http", f"127.0.0.1:{port}", "--trust", "high", "--quiet",
             "--state", self.redis.url, "--keys", str(self.keys), "--audit-log", str(log), "--replica", name],
            stdout=subprocess.DEVNULL,
            stderr=stderr_path.open("wb"),
            env=bank_env(str(home)),
        )
        wait_listening(proc, port, stderr_path, f"replica {name}")
        self.replicas[port] = proc
        self.logs[port] = log
        self.names[port] = name

    def kill(self, port: int) -> None:
        self.replicas[port].send_signal(signal.SIGKILL)
        self.replicas[port].wait(timeout=5)

    def stop_all(self) -> None:
        for proc in self.replicas.values():
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()

    def verify(self, port: int) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sigil_bin(), "audit", "verify", str(self.logs[port]), "--key-dir", str(self.keys), "--format", "json"],
            capture_output=True, text=True, timeout=60,
        )

    def records(self, port: int) -> list[dict]:
        return [json.loads(line) for line in self.logs[port].read_text().splitlines() if line.strip()]


@pytest.fixture
def cluster():
    redis = Redis()
    c = Cluster(redis)
    with c.lb:
        try:
            yield c
        finally:
            c.stop_all()
            redis.stop()


def alternates(served: list[int]) -> bool:
    return all(a != b for a, b in zip(served, served[1:]))


@pytest.mark.anyio
async def test_the_bank_scenario_passes_across_two_replicas(cluster):
    async with Client(cluster.lb.url, mode="auto", elicitation_callback=approve) as client:
        assert client.session.protocol_version == "2026-07-28"
        text = (await client.call_tool("read_email", {})).content[0].text
        iban_pointer = next(m.group(0) for m in POINTER.finditer(text) if m.group(1) == "IBAN")
        minted_on = cluster.lb.served[-1]
        # One request in between, so that the approved retry lands on the other replica.
        assert not (await client.call_tool("get_balance", {})).is_error
        before = len(cluster.lb.served)
        done = await client.call_tool("transfer_funds", {"to_iban": iban_pointer, "amount_cents": 900})
        assert not done.is_error, done
        # The confirmation round trip was two requests, on two different replicas, and the one
        # that ran the transfer resolved the pointer that the other one minted.
        rounds = cluster.lb.served[before:]
        assert len(rounds) == 2 and rounds[0] != rounds[1], rounds
        assert rounds[1] != minted_on
        assert done.structured_content["to_account_suffix"] == IBAN.replace(" ", "")[-4:]
    assert set(cluster.lb.served) == set(cluster.replicas) and alternates(cluster.lb.served)


@pytest.mark.anyio
async def test_twelve_transfers_in_a_minute_succeed_ten_times_in_all(cluster):
    args = {"to_iban": "DE89370400440532013000", "amount_cents": 1}
    outcomes = []
    started = time.monotonic()
    async with Client(cluster.lb.url, mode="auto", elicitation_callback=approve) as client:
        for _ in range(12):
            try:
                r = await client.call_tool("transfer_funds", args)
                outcomes.append("ok" if not r.is_error else "error")
            except MCPError as e:
                outcomes.append(e.error.code)
    elapsed = time.monotonic() - started
    # 10/min refills one token every 6 s: a run this short cannot earn an eleventh.
    assert elapsed < 6, elapsed
    assert outcomes.count("ok") == 10, outcomes
    assert outcomes[10:] == [RATE_LIMITED, RATE_LIMITED], outcomes
    # Both replicas served transfers: one replica alone would have allowed ten of its own.
    assert set(cluster.lb.served) == set(cluster.replicas)


@pytest.mark.anyio
async def test_a_replayed_approval_is_refused_on_either_replica(cluster):
    args = {"to_iban": "DE89370400440532013000", "amount_cents": 700}
    yes = {"sigil_confirm": {"action": "accept", "content": {"approve": True}}}
    async with Client(cluster.lb.url, mode="auto", elicitation_callback=approve) as client:
        first = await client.session.call_tool("transfer_funds", args, allow_input_required=True)
        assert isinstance(first, types.InputRequiredResult), first
        done = await client.session.call_tool("transfer_funds", args, input_responses=yes, request_state=first.request_state)
        assert not done.is_error
        replayed_on = []
        for _ in range(2):
            with pytest.raises(MCPError) as e:
                await client.session.call_tool("transfer_funds", args, input_responses=yes, request_state=first.request_state)
            assert e.value.error.code == CONFIRMATION_INVALID and "already used" in e.value.error.message
            replayed_on.append(cluster.lb.served[-1])
        assert set(replayed_on) == set(cluster.replicas), "the replay was tried on both replicas"


@pytest.mark.anyio
async def test_with_one_replica_killed_the_other_serves_the_rest(cluster):
    async with Client(cluster.lb.url, mode="auto", elicitation_callback=approve) as client:
        text = (await client.call_tool("read_email", {})).content[0].text
        iban_pointer = next(m.group(0) for m in POINTER.finditer(text) if m.group(1) == "IBAN")
        killed = cluster.lb.served[-1]
        cluster.kill(killed)
        survivor = next(p for p in cluster.replicas if p != killed)
        before = len(cluster.lb.served)
        for cents in (100, 200, 300):
            done = await client.call_tool("transfer_funds", {"to_iban": iban_pointer, "amount_cents": cents})
            assert not done.is_error, done
        assert set(cluster.lb.served[before:]) == {survivor}
        # The killed replica's chain verifies up to where it died.
        report = cluster.verify(killed)
        assert report.returncode in (0, 3), report.stdout + report.stderr
        records_before = len(cluster.records(killed))
        # Restarted on its port, it continues its own chain and takes calls again.
        cluster.start_replica(cluster.names[killed], killed)
        for cents in (400, 500):
            done = await client.call_tool("transfer_funds", {"to_iban": iban_pointer, "amount_cents": cents})
            assert not done.is_error, done
        assert killed in cluster.lb.served[-4:]
    cluster.stop_all()
    report = cluster.verify(killed)
    assert report.returncode == 0, report.stdout + report.stderr
    records = cluster.records(killed)
    assert len(records) > records_before and [r["seq"] for r in records] == list(range(len(records)))


@pytest.mark.anyio
async def test_with_redis_down_calls_fail_closed_and_work_again_after_it_restarts(cluster):
    args = {"to_iban": "DE89370400440532013000", "amount_cents": 5}
    async with Client(cluster.lb.url, mode="auto", elicitation_callback=approve) as client:
        assert not (await client.call_tool("transfer_funds", args)).is_error
        cluster.redis.stop()
        # The rate limit cannot be checked: refused, nothing runs.
        with pytest.raises(MCPError) as e:
            await client.call_tool("transfer_funds", args)
        assert e.value.error.code == STATE_UNAVAILABLE, e.value.error
        assert "shared state is unavailable" in e.value.error.message
        # What the e-mail leaks cannot be vaulted: the result is withheld, never sent in clear.
        with pytest.raises(MCPError) as e:
            await client.call_tool("read_email", {})
        assert e.value.error.code == BLOCKED and "vault could not be reached" in e.value.error.message
        # A call that needs no shared state still works.
        balance = await client.call_tool("get_balance", {})
        assert not balance.is_error
        cluster.redis.start()
        deadline = time.monotonic() + 15
        while True:
            try:
                text = (await client.call_tool("read_email", {})).content[0].text
                break
            except MCPError:
                assert time.monotonic() < deadline, "the replicas did not recover"
                time.sleep(0.2)
        iban_pointer = next(m.group(0) for m in POINTER.finditer(text) if m.group(1) == "IBAN")
        done = await client.call_tool("transfer_funds", {"to_iban": iban_pointer, "amount_cents": 6})
        assert not done.is_error, done
    cluster.stop_all()
    # Nothing was lost from either chain: each verifies whole, and holds the refusals.
    refused = []
    for port in cluster.replicas:
        report = cluster.verify(port)
        assert report.returncode == 0, report.stdout + report.stderr
        records = cluster.records(port)
        assert len({r["replica"] for r in records}) == 1, "every record names its replica"
        refused += [r for r in records if "state_unavailable" in (r.get("reason") or "")]
    assert refused, "the refused transfers are in the audit trail"
    # One command checks the directory of chains and reports each one by its replica.
    both = subprocess.run([sigil_bin(), "audit", "verify", str(cluster.home / "audit"), "--key-dir", str(cluster.keys)],
                          capture_output=True, text=True, timeout=60)
    assert both.returncode == 0, both.stdout + both.stderr
    assert "(replica a)" in both.stdout and "(replica b)" in both.stdout, both.stdout
    assert both.stdout.count("OK: ") == 2, both.stdout
