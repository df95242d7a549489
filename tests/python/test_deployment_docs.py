"""The deployment files in docs/deploy say what works: the Compose file, the nginx
configuration and the Kubernetes manifests parse and describe two replicas on one Redis and one
key directory, and the `bank` command they run, with their sigil.toml, serves through a
round-robin balancer against a real Redis (issue #17). Docker and Kubernetes themselves are not
run here: this machine has neither a Docker daemon nor a cluster."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from mcp import Client, types

from conftest import free_port, wait_listening
from round_robin import RoundRobin
from test_audit import sigil_bin
from test_replicas import Redis

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy"


def example_bank() -> str:
    path = os.environ.get("EXAMPLE_BANK_BIN")
    if not path or not Path(path).exists():
        pytest.fail("EXAMPLE_BANK_BIN must point at the built `bank` example (cargo build -p sigil-examples --bin bank)")
    return path


def flags(args: list[str]) -> dict[str, str | None]:
    out, i = {}, 0
    while i < len(args):
        if args[i].startswith("--"):
            value = args[i + 1] if i + 1 < len(args) and not args[i + 1].startswith("--") else None
            out[args[i]] = value
            i += 2 if value is not None else 1
        else:
            i += 1
    return out


def test_compose_runs_two_replicas_on_one_redis_and_one_key_directory():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    banks = {name: s for name, s in services.items() if name.startswith("bank-")}
    assert sorted(banks) == ["bank-a", "bank-b"]
    audit_volumes = set()
    for name, bank in banks.items():
        f = flags(bank["command"])
        assert f["--keys"] and f["--config"] and f["--http"].endswith(":8080"), bank["command"]
        mounts = {v.split(":")[1]: v for v in bank["volumes"]}
        assert mounts[f["--keys"]].endswith(":ro"), "the key directory is mounted read-only"
        assert f["--config"] in mounts
        state = bank["environment"]["SIGIL_STATE_URL"]
        host = re.match(r"redis://:[^@]+@([^:/]+):6379/0$", state).group(1)
        assert host in services, f"{host} is a service of the file"
        data = bank["environment"]["XDG_DATA_HOME"]
        audit_volumes.add(mounts[data].split(":")[0])
        assert bank["user"], "the replica runs as the owner of the key files"
    assert len(audit_volumes) == 2, "each replica writes its own audit chain"
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert sorted(re.findall(r"server (bank-[ab]):8080;", nginx)) == ["bank-a", "bank-b"]
    host = re.search(r"proxy_set_header Host (\S+);", nginx).group(1)
    assert host in tomllib.loads((DEPLOY / "sigil.toml").read_text())["http"]["allowed_hosts"]


def test_the_kubernetes_manifests_keep_keys_private_and_one_audit_chain_per_replica():
    docs = [d for f in sorted((DEPLOY / "k8s").glob("*.yaml")) for d in yaml.safe_load_all(f.read_text())]
    kinds = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    bank = kinds[("StatefulSet", "bank")]
    assert bank["spec"]["replicas"] == 2
    assert [t["metadata"]["name"] for t in bank["spec"]["volumeClaimTemplates"]] == ["audit"]
    pod = bank["spec"]["template"]["spec"]
    container = pod["containers"][0]
    f = flags(container["args"])
    env = {e["name"]: e for e in container["env"]}
    assert env["SIGIL_STATE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "sigil-redis"
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert mounts[f["--keys"]]["readOnly"] is True
    assert mounts[env["XDG_DATA_HOME"]["value"]]["name"] == "audit"
    # The keys reach the replica as files of its own user, mode 0600.
    init = pod["initContainers"][0]
    assert "chmod 600" in " ".join(init["command"])
    assert pod["securityContext"]["runAsUser"] == 10001 and pod["securityContext"]["runAsNonRoot"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["keys"]["emptyDir"]["medium"] == "Memory"
    config = tomllib.loads(kinds[("ConfigMap", "sigil-config")]["data"]["sigil.toml"])
    assert config["tools"]["transfer_funds"]["rate"] == "10/min"
    assert ("Service", "redis") in kinds and ("Deployment", "redis") in kinds
    redis = kinds[("Deployment", "redis")]["spec"]["template"]["spec"]["containers"][0]
    assert "--requirepass" in redis["args"]


def test_the_documented_command_serves_two_replicas_through_a_balancer(tmp_path):
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    command = compose["x-bank"]["command"]
    out = subprocess.run([example_bank(), "--help"], capture_output=True, text=True, timeout=30).stdout
    for flag in flags(command):
        assert flag in out, f"bank has no {flag}"
    redis = Redis()
    keys = tmp_path / "keys"
    assert subprocess.run([sigil_bin(), "keygen", "--out", str(keys)], capture_output=True, timeout=60).returncode == 0
    procs, ports = [], []
    try:
        for name in ("a", "b"):
            port = free_port()
            args = [a.replace("0.0.0.0:8080", f"127.0.0.1:{port}").replace("/run/sigil/keys", str(keys)).replace("/etc/sigil/sigil.toml", str(DEPLOY / "sigil.toml")) for a in command]
            home = tmp_path / name
            home.mkdir()
            stderr = home / "stderr"
            env = {**os.environ, "SIGIL_STATE_URL": redis.url, "XDG_DATA_HOME": str(home)}
            # The example's caller is the local user; --trust high lets it reach transfer_funds
            # (a real deployment identifies callers with OIDC instead, docs/src/identity.md).
            proc = subprocess.Popen([example_bank(), *args, "--trust", "high"], stdout=subprocess.DEVNULL, stderr=stderr.open("wb"), env=env)
            procs.append(proc)
            wait_listening(proc, port, stderr, f"bank {name}")
            ports.append(port)
            assert (home / "sigil" / "audit.jsonl").exists(), "each replica's own chain, in its data directory"
        # The Host the balancer sends is allowed; another is not.
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "deploy-test", "version": "1"}}}}
        headers = {"accept": "application/json, text/event-stream", "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list"}
        def post(host: str) -> int:
            conn = http.client.HTTPConnection("127.0.0.1", ports[0], timeout=10)
            conn.request("POST", "/mcp", body=json.dumps(body), headers={**headers, "Host": host, "Content-Type": "application/json"})
            status = conn.getresponse().status
            conn.close()
            return status

        assert post("bank.internal") == 200
        assert post("evil.example") == 403

        async def run():
            async def approve(context, params):
                return types.ElicitResult(action="accept", content={"approve": True})

            with RoundRobin(ports) as lb:
                async with Client(lb.url, mode="auto", elicitation_callback=approve) as client:
                    text = (await client.call_tool("read_email", {})).content[0].text
                    pointer = re.search(r"\[SIGIL-VAULT: IBAN:[a-z2-7]{26}\]", text).group(0)
                    await client.call_tool("get_balance", {})
                    done = await client.call_tool("transfer_funds", {"to_iban": pointer, "amount_cents": 100})
                    assert not done.is_error, done
                assert set(lb.served) == set(ports)

        import anyio

        anyio.run(run)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
        redis.stop()
