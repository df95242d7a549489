"""PID step-up end to end: the `bank` example over Streamable HTTP with `--pid-issuer-key`, the
official Python MCP SDK as the client, and a test wallet written here (its own issuer key and
holder key, `cryptography` for ES256, pinned in requirements.txt). A Low session calling `transfer_funds` gets the MCP
URL-elicitation-required error (-32042); the wallet fetches the OpenID4VP request object and
posts its SD-JWT VC presentation to `direct_post`; the retried call runs as `eidas:pid:DE:...`
at trust High."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import anyio
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from mcp import Client, MCPError, UrlElicitationRequiredError, types

from conftest import bank
from test_bank import answering, envelope

URL_ELICITATION_REQUIRED = -32042
TRUST_TOO_LOW = -32081
PERSON_ID = "DE-987654321"
TRANSFER = {"to_iban": "DE44 5001 0517 5407 3249 31", "amount_cents": 500}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws(key: ec.EllipticCurvePrivateKey, header: dict, payload: dict) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def public_jwk(key: ec.EllipticCurvePrivateKey) -> dict:
    n = key.public_key().public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64(n.x.to_bytes(32, "big")), "y": b64(n.y.to_bytes(32, "big"))}


def digest(text: str) -> str:
    return b64(hashlib.sha256(text.encode()).digest())


def present(issuer, holder, request: dict) -> str:
    """The wallet: a PID with every attribute selectively disclosed, bound to `holder`, presented
    for the request's nonce and client_id."""
    claims = {
        "family_name": "Mustermann",
        "given_name": "Erika",
        "birthdate": "1964-08-12",
        "issuing_country": "DE",
        "personal_administrative_number": PERSON_ID,
    }
    disclosures = [b64(json.dumps([b64(os.urandom(16)), k, v]).encode()) for k, v in claims.items()]
    now = int(time.time())
    payload = {
        "iss": "https://pid-issuer.example.eu",
        "vct": "urn:eudi:pid:1",
        "iat": now,
        "exp": now + 3600,
        "_sd_alg": "sha-256",
        "_sd": [digest(d) for d in disclosures],
        "cnf": {"jwk": public_jwk(holder)},
    }
    issuer_jwt = jws(issuer, {"alg": "ES256", "typ": "dc+sd-jwt"}, payload)
    presented = issuer_jwt + "~" + "".join(d + "~" for d in disclosures)
    kb = jws(
        holder,
        {"alg": "ES256", "typ": "kb+jwt"},
        {"nonce": request["nonce"], "aud": request["client_id"], "iat": now, "sd_hash": digest(presented)},
    )
    return presented + kb


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def post_form(url: str, fields: dict) -> tuple[int, dict]:
    body = urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(url, data=body, headers={"content-type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.fixture
def issuer_key_file():
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with tempfile.NamedTemporaryFile("wb", suffix=".pem", delete=False) as f:
        f.write(pem)
    yield key, f.name
    os.unlink(f.name)


async def step_up_request(client) -> tuple[str, dict]:
    with pytest.raises(MCPError) as info:
        await client.call_tool("transfer_funds", TRANSFER)
    assert info.value.code == URL_ELICITATION_REQUIRED, info.value
    (elicitation,) = UrlElicitationRequiredError.from_error(info.value.error).elicitations
    status, page = get(elicitation.url)
    assert status == 200 and b"openid4vp://?client_id=" in page
    base = elicitation.url.split("/pid/start/")[0]
    status, body = get(f"{base}/pid/request/{elicitation.elicitation_id}")
    assert status == 200
    return elicitation.elicitation_id, json.loads(body)


@pytest.mark.anyio
async def test_a_pid_steps_a_legacy_session_up_to_high(issuer_key_file):
    issuer, path = issuer_key_file
    completed = anyio.Event()
    completed_ids: list[str] = []

    async def on_message(message):
        if isinstance(message, types.ElicitCompleteNotification):
            completed_ids.append(message.params.elicitation_id)
            completed.set()

    with bank("http", "low", ["--pid-issuer-key", path]) as url:
        async with Client(
            url, mode="legacy", elicitation_callback=answering(True), message_handler=on_message
        ) as client:
            state, request = await step_up_request(client)
            assert request["response_mode"] == "direct_post"
            assert request["dcql_query"]["credentials"][0]["meta"]["vct_values"] == ["urn:eudi:pid:1"]
            vp_token = json.dumps({"pid": [present(issuer, ec.generate_private_key(ec.SECP256R1()), request)]})
            status, body = post_form(request["response_uri"], {"vp_token": vp_token, "state": state})
            assert (status, body) == (200, {})
            # The server tells the session the URL elicitation completed (the SDK's own type).
            with anyio.fail_after(5):
                await completed.wait()
            assert completed_ids == [state]

            result = await client.call_tool("transfer_funds", TRANSFER)
            assert not result.is_error, result
            e = envelope(result)
            assert e["principal"] == f"eidas:pid:DE:{PERSON_ID}"
            assert e["trust_level"] == "high"
            assert e["decision"] == "confirmed"

            # The same answer again: the state was used up.
            status, body = post_form(request["response_uri"], {"vp_token": vp_token, "state": state})
            assert status == 400 and body["error"] == "invalid_request"


@pytest.mark.anyio
async def test_a_pid_from_an_untrusted_issuer_is_refused_and_nothing_changes(issuer_key_file):
    _, path = issuer_key_file
    stranger = ec.generate_private_key(ec.SECP256R1())
    with bank("http", "low", ["--pid-issuer-key", path]) as url:
        async with Client(url, mode="legacy", elicitation_callback=answering(True)) as client:
            state, request = await step_up_request(client)
            vp_token = present(stranger, ec.generate_private_key(ec.SECP256R1()), request)
            status, body = post_form(request["response_uri"], {"vp_token": vp_token, "state": state})
            assert status == 400 and body["error"] == "invalid_presentation", body
            await step_up_request(client)  # still Low: asked again


@pytest.mark.anyio
async def test_a_stateless_local_caller_is_not_offered_a_step_up(issuer_key_file):
    """2026-07-28 has no session to bind an upgrade to, and `local:` is a configured default, not
    a verified identity: the ordinary trust refusal is sent."""
    _, path = issuer_key_file
    with bank("http", "low", ["--pid-issuer-key", path]) as url:
        async with Client(url, mode="auto", elicitation_callback=answering(True)) as client:
            with pytest.raises(MCPError) as info:
                await client.call_tool("transfer_funds", TRANSFER)
            assert info.value.code == TRUST_TOO_LOW
