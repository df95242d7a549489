"""`bank` over HTTPS with eIDAS qualified client certificates, end to end: bank with `--tls-cert`,
`--tls-key`, `--mtls-ca` (a qualified CA) and `--mtls-ca-nonqualified` (a corporate CA), and the
official MCP SDK presenting client certificates through an httpx2 client of its own.

The PKI (CAs, server and client certificates with QCStatements per ETSI EN 319 412-5) is made here
with the `cryptography` package; the QCStatements DER is written byte by byte."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import os
import socket
import ssl
import subprocess
import tempfile
from pathlib import Path

import httpx2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client

from conftest import bank_bin, bank_env, free_port
from test_bank import answering, envelope
from test_oidc import provider, stop, token, wait_until

TRUST_TOO_LOW = -32081
IBAN = "DE89370400440532013000"
PRINCIPAL = "eidas:qc:DE:PNODE-123456789"

QC_STATEMENTS = "1.3.6.1.5.5.7.1.3"
QC_COMPLIANCE = "0.4.0.1862.1.1"
QC_SSCD = "0.4.0.1862.1.4"
QC_TYPE = "0.4.0.1862.1.6"
QCT_ESIGN = "0.4.0.1862.1.6.1"
PKIX_QC_SYNTAX_V2 = "1.3.6.1.5.5.7.11.2"
SEMANTICS_NATURAL = "0.4.0.194121.1.1"


def tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    length = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def seq(*parts: bytes) -> bytes:
    return tlv(0x30, b"".join(parts))


def oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    out = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        groups = [arc & 0x7F]
        arc >>= 7
        while arc:
            groups.append((arc & 0x7F) | 0x80)
            arc >>= 7
        out += bytes(reversed(groups))
    return tlv(0x06, bytes(out))


def qc_statements(sscd: bool) -> bytes:
    """QcCompliance, QcSSCD (if asked), QcType esign, semantics natural person."""
    statements = [seq(oid(QC_COMPLIANCE))]
    if sscd:
        statements.append(seq(oid(QC_SSCD)))
    statements.append(seq(oid(QC_TYPE), seq(oid(QCT_ESIGN))))
    statements.append(seq(oid(PKIX_QC_SYNTAX_V2), seq(oid(SEMANTICS_NATURAL))))
    return seq(*statements)


class Ca:
    def __init__(self, name: str):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name), x509.NameAttribute(NameOID.COUNTRY_NAME, "DE")])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(self.name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .sign(self.key, hashes.SHA256())
        )

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def issue(self, subject: x509.Name, extensions: list[tuple[x509.ExtensionType, bool]]) -> tuple[bytes, bytes]:
        """(certificate PEM, PKCS#8 key PEM) of a new leaf."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
        )
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        cert = builder.sign(self.key, hashes.SHA256())
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        return cert.public_bytes(serialization.Encoding.PEM), key_pem

    def server(self) -> tuple[bytes, bytes]:
        return self.issue(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]),
            [
                (x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]), False),
                (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
            ],
        )

    def person(self, sscd: bool) -> tuple[bytes, bytes]:
        """Erika Mustermann, serialNumber PNODE-123456789, C=DE, with QC statements."""
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
                x509.NameAttribute(NameOID.COMMON_NAME, "Erika Mustermann"),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, "PNODE-123456789"),
            ]
        )
        return self.issue(
            subject,
            [
                (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
                (x509.UnrecognizedExtension(x509.ObjectIdentifier(QC_STATEMENTS), qc_statements(sscd)), False),
            ],
        )


class Pki:
    """Every file bank and the clients need, in a private directory."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="sigil-mtls-"))
        server_ca, qualified, corporate, unknown = Ca("Server CA"), Ca("Test QTSP"), Ca("Corporate CA"), Ca("Unknown CA")
        self.server_ca = self.write("server-ca.pem", server_ca.pem())
        cert, key = server_ca.server()
        self.server_cert = self.write("server.pem", cert)
        self.server_key = self.write("server.key", key, mode=0o600)
        self.qualified_ca = self.write("qualified-ca.pem", qualified.pem())
        self.corporate_ca = self.write("corporate-ca.pem", corporate.pem())
        self.clients = {
            "high": self.write_pair("high", qualified.person(sscd=True)),
            "no-sscd": self.write_pair("no-sscd", qualified.person(sscd=False)),
            "corporate": self.write_pair("corporate", corporate.person(sscd=True)),
            "unknown": self.write_pair("unknown", unknown.person(sscd=True)),
        }

    def write(self, name: str, data: bytes, mode: int = 0o644) -> Path:
        path = self.dir / name
        path.write_bytes(data)
        os.chmod(path, mode)
        return path

    def write_pair(self, name: str, pair: tuple[bytes, bytes]) -> tuple[Path, Path]:
        return self.write(f"{name}.pem", pair[0]), self.write(f"{name}.key", pair[1], mode=0o600)

    def ssl_context(self, client: str | None) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.server_ca))
        if client:
            cert, key = self.clients[client]
            ctx.load_cert_chain(str(cert), str(key))
        return ctx


def listening(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
        return True


@contextlib.contextmanager
def mtls_bank(pki: Pki, port: int | None = None, extra: list[str] | None = None):
    port = port or free_port()
    args = [
        bank_bin(), "--http", f"127.0.0.1:{port}",
        "--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key),
        "--mtls-ca", str(pki.qualified_ca), "--mtls-ca-nonqualified", str(pki.corporate_ca),
        *(extra or []),
    ]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=bank_env(tempfile.mkdtemp(prefix="sigil-test-")))
    try:
        wait_until(lambda: listening(port), "bank", proc)
        yield f"https://127.0.0.1:{port}/mcp"
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def rig():
    """(pki, bank URL): one PKI and one mTLS bank for the module."""
    pki = Pki()
    with mtls_bank(pki) as url:
        yield pki, url


@contextlib.asynccontextmanager
async def client_with(url: str, ctx: ssl.SSLContext, mode: str, callback):
    async with httpx2.AsyncClient(verify=ctx, timeout=httpx2.Timeout(30, read=300)) as http:
        async with Client(streamable_http_client(url, http_client=http), mode=mode, elicitation_callback=callback) as client:
            yield client


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_qualified_certificate_with_sscd_is_high_and_transfers(rig, mode):
    pki, url = rig
    cb = answering(True)
    async with client_with(url, pki.ssl_context("high"), mode, cb) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert names == {"read_email", "get_balance", "transfer_funds", "close_account"}
        before = (await client.call_tool("get_balance", {})).structured_content
        r = await client.call_tool("transfer_funds", {"to_iban": IBAN, "amount_cents": 125})
        assert not r.is_error, r
        env = envelope(r)
        assert env["principal"] == PRINCIPAL
        assert env["trust_level"] == "high"
        assert env["decision"] == "confirmed"
        assert len(cb.asked) == 1
        after = (await client.call_tool("get_balance", {})).structured_content
        assert after["balance_cents"] == before["balance_cents"] - 125


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_qualified_certificate_without_sscd_may_not_transfer(rig, mode):
    pki, url = rig
    cb = answering(True)
    async with client_with(url, pki.ssl_context("no-sscd"), mode, cb) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert names == {"read_email", "get_balance"}
        r = await client.call_tool("get_balance", {})
        env = envelope(r)
        assert env["principal"] == PRINCIPAL
        assert env["trust_level"] == "medium"
        with pytest.raises(MCPError) as e:
            await client.call_tool("transfer_funds", {"to_iban": IBAN, "amount_cents": 1})
        assert e.value.code == TRUST_TOO_LOW
        assert cb.asked == []


@pytest.mark.anyio
async def test_a_certificate_under_a_not_qualified_ca_is_low(rig):
    pki, url = rig
    async with client_with(url, pki.ssl_context("corporate"), "legacy", answering(True)) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert names == {"read_email"}
        env = envelope(await client.call_tool("read_email", {}))
        assert env["principal"] == PRINCIPAL
        assert env["trust_level"] == "low"


@pytest.mark.parametrize("client", ["unknown", None])
def test_an_unknown_ca_or_no_certificate_gets_no_answer(rig, client):
    pki, url = rig
    body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    with httpx2.Client(verify=pki.ssl_context(client), timeout=10) as http:
        with pytest.raises(httpx2.TransportError):
            http.post(url, json=body, headers={"Accept": "application/json, text/event-stream"})
    # The same request with a good certificate is answered.
    with httpx2.Client(verify=pki.ssl_context("high"), timeout=10) as http:
        r = http.post(url, json=body, headers={"Accept": "application/json, text/event-stream"})
        assert r.status_code == 200, r.text


def test_bank_refuses_a_key_file_others_can_read():
    pki = Pki()
    os.chmod(pki.server_key, 0o644)
    args = [bank_bin(), "--http", f"127.0.0.1:{free_port()}", "--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=20, env=bank_env(tempfile.mkdtemp(prefix="sigil-test-")))
    assert done.returncode == 2
    assert "mode is 0644" in done.stderr and "0600" in done.stderr, done.stderr


def test_with_a_bearer_resource_server_too_both_are_required_and_the_token_decides():
    """Needs `node` and `npm ci --prefix tests/oidc`, like test_oidc.py."""
    pki = Pki()
    port = free_port()
    url = f"https://127.0.0.1:{port}/mcp"
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "read_email", "arguments": {}, "_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "test_mtls", "version": "1"},
    }}}  # fmt: skip
    headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "read_email"}
    with provider(url) as issuer, mtls_bank(pki, port, ["--oidc-issuer", issuer]):
        low = token(issuer, url, "client-low", "bank:read")
        # A High certificate without a token: 401 pointing at the metadata.
        with httpx2.Client(verify=pki.ssl_context("high"), timeout=10) as http:
            r = http.post(url, json=body, headers=headers)
            assert r.status_code == 401, r.text
            assert "resource_metadata=" in r.headers["WWW-Authenticate"]
            # With a Low token: the token's principal and trust, not the certificate's.
            r = http.post(url, json=body, headers={**headers, "Authorization": f"Bearer {low}"})
            assert r.status_code == 200, r.text
            reply = r.json() if r.headers["content-type"].startswith("application/json") else next(
                json.loads(line[5:]) for line in r.text.splitlines() if line.startswith("data:") and '"id"' in line
            )
            env = reply["result"]["_meta"]["org.sigil-protocol/envelope"]
            assert env["principal"] == f"oidc:{issuer}#client-low", env
            assert env["trust_level"] == "low", env
        # A token without a certificate: no TLS connection at all.
        with httpx2.Client(verify=pki.ssl_context(None), timeout=10) as http:
            with pytest.raises(httpx2.TransportError):
                http.post(url, json=body, headers={**headers, "Authorization": f"Bearer {low}"})
