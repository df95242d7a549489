"""`bank` over stdio with an OIDC identity, end to end: a real OpenID provider
(`tests/oidc/provider.mjs`, the npm package `oidc-provider`), bank started by the official MCP SDK
with `--oidc-issuer URL --resource URL` and the access token in `SIGIL_ACCESS_TOKEN`.

Needs `node` and `npm ci --prefix tests/oidc`."""

from __future__ import annotations

import base64
import http.client
import json
import os
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import anyio
import pytest
from mcp import Client, MCPError, StdioServerParameters

from conftest import bank_bin, bank_env, free_port
from test_bank import answering, envelope
from test_oidc import OIDC_DIR, TRUST_TOO_LOW, client_with, oidc_bank, private_jwk, provider, stop, token

UNAUTHENTICATED = -32080
IBAN = "DE89370400440532013000"
# The audience of the tokens this stdio bank accepts: any URI names the local server.
RESOURCE = "http://127.0.0.1:8651/mcp"


@pytest.fixture(scope="module")
def issuer_and_key():
    """(issuer, private JWK): a provider for RESOURCE, signing with a key this test holds."""
    jwks_text = private_jwk()
    with provider(RESOURCE, jwks_text) as issuer:
        yield issuer, json.loads(jwks_text)["keys"][0]


def signed(jwk: dict, claims: dict) -> str:
    """An access token signed with the provider's own key (jose, from the provider's node_modules):
    genuine in every respect but the claims we choose, such as an `exp` in the past."""
    script = (
        "import { SignJWT, importJWK } from 'jose';"
        "const [jwk, claims] = JSON.parse(process.argv[1]);"
        "const key = await importJWK(jwk, 'ES256');"
        "console.log(await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid }).sign(key));"
    )
    out = subprocess.run(["node", "--input-type=module", "-e", script, json.dumps([jwk, claims])], cwd=OIDC_DIR, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def claims(issuer: str, sub: str, exp: int, acr: str | None = None) -> dict:
    now = int(time.time())
    c = {"iss": issuer, "sub": sub, "aud": RESOURCE, "iat": now - 5, "exp": exp, "scope": "bank:read bank:transfer", "client_id": "cli"}
    if acr:
        c["acr"] = acr
    return c


def stdio_bank(issuer: str, env_extra: dict[str, str], data_home: str | None = None) -> StdioServerParameters:
    env = {**bank_env(data_home or tempfile.mkdtemp(prefix="sigil-test-")), **env_extra}
    args = ["--oidc-issuer", issuer, "--resource", RESOURCE, "--oidc-service-trust", "high"]
    return StdioServerParameters(command=bank_bin(), args=args, env=env)


def refused_start(issuer: str, env_extra: dict[str, str]) -> str:
    """Runs bank as the SDK would and returns its stderr; asserts it refused to start."""
    env = {**bank_env(tempfile.mkdtemp(prefix="sigil-test-")), **env_extra}
    args = [bank_bin(), "--oidc-issuer", issuer, "--resource", RESOURCE, "--oidc-service-trust", "high"]
    done = subprocess.run(args, env=env, input=b"", capture_output=True, timeout=30)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stdout == b"", "nothing may be served"
    return done.stderr.decode()


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_low_token_sees_and_calls_only_the_low_risk_tool(issuer_and_key, mode):
    issuer, _ = issuer_and_key
    low = token(issuer, RESOURCE, "client-low", "bank:read bank:transfer")
    async with Client(stdio_bank(issuer, {"SIGIL_ACCESS_TOKEN": low}), mode=mode, elicitation_callback=answering(True)) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert names == {"read_email"}
        r = await client.call_tool("read_email", {})
        assert not r.is_error
        env = envelope(r)
        assert env["principal"] == f"oidc:{issuer}#client-low"
        assert env["trust_level"] == "low"
        with pytest.raises(MCPError) as e:
            await client.call_tool("transfer_funds", {"to_iban": IBAN, "amount_cents": 1})
        assert e.value.code == TRUST_TOO_LOW


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_high_token_can_transfer(issuer_and_key, mode):
    issuer, _ = issuer_and_key
    high = token(issuer, RESOURCE, "client-high", "bank:read bank:transfer")
    cb = answering(True)
    data_home = tempfile.mkdtemp(prefix="sigil-test-")
    async with Client(stdio_bank(issuer, {"SIGIL_ACCESS_TOKEN": high}, data_home), mode=mode, elicitation_callback=cb) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert names == {"read_email", "get_balance", "transfer_funds", "close_account"}
        r = await client.call_tool("transfer_funds", {"to_iban": IBAN, "amount_cents": 250})
        assert not r.is_error, r
        env = envelope(r)
        assert env["decision"] == "confirmed"
        assert env["principal"] == f"oidc:{issuer}#client-high"
        assert env["trust_level"] == "high"
        assert len(cb.asked) == 1
    # The audit trail names the verified principal and never holds the token.
    audit = (Path(data_home) / "sigil" / "audit.jsonl").read_text()
    assert f'"oidc:{issuer}#client-high"' in audit
    assert high not in audit and high.split(".")[2] not in audit


def test_a_token_file_works_like_the_variable(issuer_and_key):
    issuer, _ = issuer_and_key
    high = token(issuer, RESOURCE, "client-high", "bank:read")
    path = Path(tempfile.mkdtemp(prefix="sigil-tok-")) / "token"
    path.write_text(high + "\n")
    path.chmod(0o644)
    err = refused_start(issuer, {"SIGIL_ACCESS_TOKEN_FILE": str(path)})
    assert "chmod 600" in err, err
    path.chmod(0o600)
    params = stdio_bank(issuer, {"SIGIL_ACCESS_TOKEN_FILE": str(path)})
    # The file-fed bank starts and says whose session it is, on stderr.
    proc = subprocess.Popen([params.command, *params.args], env=params.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = proc.stderr.readline().decode()
        assert f"oidc:{issuer}#client-high at trust high" in line, line
        assert high not in line
    finally:
        stop(proc)


@pytest.mark.parametrize(
    "case",
    ["expired", "wrong_audience", "other_issuer_key", "garbage", "missing", "both"],
)
def test_a_refused_token_stops_bank_with_a_clear_error(issuer_and_key, case):
    issuer, jwk = issuer_and_key
    now = int(time.time())
    if case == "expired":
        bad, expect = signed(jwk, claims(issuer, "alice", now - 120, "http://eidas.europa.eu/LoA/high")), "token has expired"
    elif case == "wrong_audience":
        # A genuine token of the provider, for another resource.
        bad, expect = token(issuer, "http://127.0.0.1/other", "client-high", "bank:read"), "not meant for this resource"
    elif case == "other_issuer_key":
        other = json.loads(private_jwk())["keys"][0]
        other["kid"] = jwk["kid"]
        bad, expect = signed(other, claims(issuer, "alice", now + 300)), "signature is invalid"
    elif case == "garbage":
        bad, expect = "not-a-token", "malformed token"
    elif case == "missing":
        bad, expect = None, "no access token: set SIGIL_ACCESS_TOKEN"
    else:
        bad, expect = "x", "set only one"
    env = {} if bad is None else {"SIGIL_ACCESS_TOKEN": bad}
    if case == "both":
        env["SIGIL_ACCESS_TOKEN_FILE"] = "/nonexistent"
    err = refused_start(issuer, env)
    assert expect in err, err
    if bad and len(bad) > 8:
        assert bad not in err and bad.split(".")[-1] not in err, "the token must never be printed"


@pytest.mark.anyio
async def test_calls_are_refused_once_the_token_expires(issuer_and_key):
    issuer, jwk = issuer_and_key
    exp = int(time.time()) + 6
    short = signed(jwk, claims(issuer, "alice", exp, "http://eidas.europa.eu/LoA/substantial"))
    data_home = tempfile.mkdtemp(prefix="sigil-test-")
    async with Client(stdio_bank(issuer, {"SIGIL_ACCESS_TOKEN": short}, data_home), mode="legacy", elicitation_callback=answering(True)) as client:
        r = await client.call_tool("get_balance", {})
        assert not r.is_error
        assert envelope(r)["principal"] == f"oidc:{issuer}#alice"
        assert envelope(r)["trust_level"] == "medium"
        await anyio.sleep(max(0.0, exp - time.time()) + 0.5)
        with pytest.raises(MCPError) as e:
            await client.call_tool("read_email", {})
        assert e.value.code == UNAUTHENTICATED
        assert "expired" in e.value.message
        with pytest.raises(MCPError) as e:
            await client.list_tools()
        assert e.value.code == UNAUTHENTICATED
    events = [json.loads(line) for line in (Path(data_home) / "sigil" / "audit.jsonl").read_text().splitlines()]
    refused = [e for e in events if e.get("event") == "identity_refused"]
    assert refused and "expired" in refused[0].get("reason", ""), events



@pytest.mark.anyio
async def test_opaque_tokens_are_checked_by_introspection(issuer_and_key):
    issuer, _ = issuer_and_key
    opaque = token(issuer, RESOURCE, "opaque-high", "bank:read bank:transfer")
    assert "." not in opaque, "opaque-high gets opaque tokens"
    # Without introspection configured an opaque token is refused.
    err = refused_start(issuer, {"SIGIL_ACCESS_TOKEN": opaque})
    assert "malformed token" in err, err
    params = stdio_bank(issuer, {"SIGIL_ACCESS_TOKEN": opaque, "SIGIL_INTROSPECTION_SECRET": "secret-sigil-rs"})
    params.args += ["--oidc-introspection-client", "sigil-rs"]
    async with Client(params, mode="legacy", elicitation_callback=answering(True)) as client:
        r = await client.call_tool("transfer_funds", {"to_iban": IBAN, "amount_cents": 5})
        assert not r.is_error, r
        assert envelope(r)["principal"] == f"oidc:{issuer}#opaque-high"
        assert envelope(r)["trust_level"] == "high"
    # Revoked at the provider: bank refuses to start.
    form = {"token": opaque, "client_id": "opaque-high", "client_secret": "secret-opaque-high"}
    urllib.request.urlopen(urllib.request.Request(f"{issuer}/token/revocation", data=urllib.parse.urlencode(form).encode()), timeout=10)
    env = {"SIGIL_ACCESS_TOKEN": opaque, "SIGIL_INTROSPECTION_SECRET": "secret-sigil-rs"}
    args = [bank_bin(), "--oidc-issuer", issuer, "--resource", RESOURCE, "--oidc-introspection-client", "sigil-rs"]
    done = subprocess.run(args, env={**bank_env(tempfile.mkdtemp(prefix="sigil-test-")), **env}, input=b"", capture_output=True, timeout=30)
    assert done.returncode == 2 and b"token is not active" in done.stderr, done.stderr
    assert opaque.encode() not in done.stderr


@pytest.mark.anyio
async def test_opaque_tokens_over_http_through_introspection():
    """bank over Streamable HTTP with --oidc-introspection-client: the SDK sends an opaque token."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    introspection = (["--oidc-introspection-client", "sigil-rs"], {"SIGIL_INTROSPECTION_SECRET": "secret-sigil-rs"})
    with provider(url) as issuer, oidc_bank(port, issuer, extra=introspection[0], env_extra=introspection[1]):
        high = token(issuer, url, "opaque-high", "bank:read bank:transfer")
        assert "." not in high
        async with client_with(url, high, "legacy", answering(True)) as client:
            r = await client.call_tool("transfer_funds", {"to_iban": IBAN, "amount_cents": 3})
            assert not r.is_error, r
            assert envelope(r)["principal"] == f"oidc:{issuer}#opaque-high"
        low = token(issuer, url, "opaque-low", "bank:read bank:transfer")
        async with client_with(url, low, "legacy", answering(True)) as client:
            assert {t.name for t in (await client.list_tools()).tools} == {"read_email"}


# --- `sigil login`, then bank bound to the login -------------------------------------------------


def sigil_bin() -> str:
    path = os.environ.get("SIGIL_BIN")
    if not path or not Path(path).exists():
        pytest.fail("SIGIL_BIN must point at the built `sigil` binary")
    return path


def browse_to_redirect(issuer: str, url: str) -> str:
    """A browser without a form: follows the provider's redirects with its cookies (the rig's
    /interaction/<uid> logs in by itself) and returns the first redirect leaving the provider."""
    cookies: dict[str, str] = {}
    for _ in range(10):
        parts = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request("GET", path, headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
        response = conn.getresponse()
        response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            cookies[name] = value
        location = response.headers["Location"]
        conn.close()
        assert location, f"no redirect from {url}: {response.status}"
        if location.startswith("/"):
            url = issuer + location
        elif location.startswith(issuer):
            url = location
        else:
            return location
    raise AssertionError("the authorization-code flow did not finish")


def sigil_login(issuer: str, data_home: str, acr: str) -> str:
    """Runs `sigil login` as a user would, opening its URL in the form-less browser; returns
    its stderr."""
    args = [sigil_bin(), "login", "--issuer", issuer, "--client-id", "sigil-cli", "--scope", "bank:read bank:transfer", "--login-hint", "alice", "--acr-values", acr, "--timeout", "30"]
    proc = subprocess.Popen(args, env={**os.environ, "XDG_DATA_HOME": data_home}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        while True:
            line = proc.stderr.readline()
            assert line, f"sigil login printed no URL: {lines}"
            lines.append(line)
            if line.startswith("http"):
                break
        redirect = browse_to_redirect(issuer, line.strip())
        assert redirect.startswith("http://127.0.0.1:") and "/callback?" in redirect, redirect
        with urllib.request.urlopen(redirect, timeout=10) as r:
            assert r.status == 200
        rest = proc.stderr.read()
        assert proc.wait(timeout=30) == 0, "".join(lines) + rest
        return "".join(lines) + rest
    finally:
        if proc.poll() is None:
            stop(proc)


def login_bank(issuer: str, data_home: str) -> StdioServerParameters:
    args = ["--oidc-issuer", issuer, "--oidc-login", "--oidc-client-id", "sigil-cli"]
    return StdioServerParameters(command=bank_bin(), args=args, env=bank_env(data_home))


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_sigil_login_at_high_then_bank_can_transfer(issuer_and_key, mode):
    issuer, _ = issuer_and_key
    data_home = tempfile.mkdtemp(prefix="sigil-test-")
    out = sigil_login(issuer, data_home, "http://eidas.europa.eu/LoA/high")
    assert f"logged in as oidc:{issuer}#alice (trust high)" in out, out
    [login_file] = list((Path(data_home) / "sigil" / "logins").iterdir())
    assert login_file.stat().st_mode & 0o777 == 0o600
    stored = json.loads(login_file.read_text())
    for secret in ("id_token", "access_token"):
        assert stored[secret] and stored[secret] not in out, f"{secret} was printed"
    cb = answering(True)
    async with Client(login_bank(issuer, data_home), mode=mode, elicitation_callback=cb) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert names == {"read_email", "get_balance", "transfer_funds", "close_account"}
        r = await client.call_tool("transfer_funds", {"to_iban": IBAN, "amount_cents": 100})
        assert not r.is_error, r
        env = envelope(r)
        assert env["principal"] == f"oidc:{issuer}#alice"
        assert env["trust_level"] == "high"
        assert env["decision"] == "confirmed"


@pytest.mark.anyio
async def test_sigil_login_at_low_then_bank_shows_only_the_low_risk_tool(issuer_and_key):
    issuer, _ = issuer_and_key
    data_home = tempfile.mkdtemp(prefix="sigil-test-")
    sigil_login(issuer, data_home, "http://eidas.europa.eu/LoA/low")
    async with Client(login_bank(issuer, data_home), mode="legacy", elicitation_callback=answering(True)) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert names == {"read_email"}
        with pytest.raises(MCPError) as e:
            await client.call_tool("transfer_funds", {"to_iban": IBAN, "amount_cents": 1})
        assert e.value.code == TRUST_TOO_LOW


def test_bank_without_a_login_or_with_a_tampered_one_refuses_to_start(issuer_and_key):
    issuer, _ = issuer_and_key
    data_home = tempfile.mkdtemp(prefix="sigil-test-")
    args = [bank_bin(), "--oidc-issuer", issuer, "--oidc-login", "--oidc-client-id", "sigil-cli"]
    done = subprocess.run(args, env=bank_env(data_home), input=b"", capture_output=True, timeout=30)
    assert done.returncode == 2 and b"run `sigil login` first" in done.stderr, done.stderr
    sigil_login(issuer, data_home, "http://eidas.europa.eu/LoA/high")
    [login_file] = list((Path(data_home) / "sigil" / "logins").iterdir())
    stored = json.loads(login_file.read_text())
    head, payload, sig = stored["id_token"].split(".")
    claims_ = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims_["sub"] = "mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims_).encode()).rstrip(b"=").decode()
    stored["id_token"] = f"{head}.{forged}.{sig}"
    login_file.write_text(json.dumps(stored))
    done = subprocess.run(args, env=bank_env(data_home), input=b"", capture_output=True, timeout=30)
    assert done.returncode == 2 and b"signature is invalid" in done.stderr, done.stderr
    assert stored["id_token"].encode() not in done.stderr


class Browser:
    """Plain HTTP with cookies and without following redirects: enough for the rig's pages."""

    def __init__(self, issuer: str):
        self.issuer = issuer
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, form: dict | None = None) -> tuple[int, str | None, str]:
        parts = urllib.parse.urlsplit(url if not url.startswith("/") else self.issuer + url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name] = value
        location = response.headers["Location"]
        conn.close()
        return response.status, location, text


def confirm_device(issuer: str, url: str) -> None:
    """The user opens the device URL (code filled in) and confirms, with the rig's form-less login."""
    browser = Browser(issuer)
    _, _, page = browser.request("GET", url)
    field = lambda html, name: html.split(f'name="{name}" value="', 1)[1].split('"', 1)[0]  # noqa: E731
    xsrf, user_code = field(page, "xsrf"), field(page, "user_code")
    status, _, _ = browser.request("POST", f"{issuer}/device", {"xsrf": xsrf, "user_code": user_code})
    assert status == 200, status
    _, location, _ = browser.request("POST", f"{issuer}/device", {"xsrf": xsrf, "user_code": user_code, "confirm": "yes"})
    for _ in range(10):
        if not location:
            return
        _, location, _ = browser.request("GET", location)
    raise AssertionError("the device confirmation did not finish")


@pytest.mark.anyio
async def test_sigil_login_with_the_device_grant_then_bank(issuer_and_key):
    issuer, _ = issuer_and_key
    data_home = tempfile.mkdtemp(prefix="sigil-test-")
    args = [sigil_bin(), "login", "--device", "--issuer", issuer, "--client-id", "sigil-cli", "--scope", "bank:read bank:transfer", "--acr-values", "http://eidas.europa.eu/LoA/high", "--timeout", "60"]
    proc = subprocess.Popen(args, env={**os.environ, "XDG_DATA_HOME": data_home}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        while True:
            line = proc.stderr.readline()
            assert line, f"sigil login --device printed no URL: {lines}"
            lines.append(line)
            if line.startswith("http"):
                break
        assert "confirm the code" in lines[0], lines
        confirm_device(issuer, line.strip())
        rest = proc.stderr.read()
        assert proc.wait(timeout=60) == 0, "".join(lines) + rest
    finally:
        if proc.poll() is None:
            stop(proc)
    assert f"logged in as oidc:{issuer}#alice (trust high)" in rest, rest
    async with Client(login_bank(issuer, data_home), mode="legacy", elicitation_callback=answering(True)) as client:
        r = await client.call_tool("transfer_funds", {"to_iban": IBAN, "amount_cents": 7})
        assert not r.is_error, r
        assert envelope(r)["principal"] == f"oidc:{issuer}#alice"
        assert envelope(r)["trust_level"] == "high"


@pytest.mark.parametrize("case", ["plain_http_issuer", "unreachable", "nobody_comes_back", "no_client_id"])
def test_sigil_login_fails_with_a_clear_error(issuer_and_key, case):
    issuer, _ = issuer_and_key
    base = [sigil_bin(), "login", "--client-id", "sigil-cli"]
    args, code, expect = {
        "plain_http_issuer": (base + ["--issuer", "http://login.example.eu"], 1, "must be https://"),
        "unreachable": (base + ["--issuer", f"http://127.0.0.1:{free_port()}"], 1, "OIDC discovery failed"),
        "nobody_comes_back": (base + ["--issuer", issuer, "--timeout", "1"], 1, "not completed in time"),
        "no_client_id": ([sigil_bin(), "login", "--issuer", issuer], 2, "--client-id"),
    }[case]
    data_home = tempfile.mkdtemp(prefix="sigil-test-")
    done = subprocess.run(args, env={**os.environ, "XDG_DATA_HOME": data_home}, capture_output=True, text=True, timeout=30)
    assert done.returncode == code, (done.returncode, done.stderr)
    assert expect in done.stderr, done.stderr
    assert not (Path(data_home) / "sigil" / "logins").exists() or not any((Path(data_home) / "sigil" / "logins").iterdir())
