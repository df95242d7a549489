#!/usr/bin/env python3
"""Recall and precision of `sigil scan` per encoding class, on secrets as they travel.

For each class, 40 fresh secrets (AWS access key ids, Stripe live keys, IBANs with valid check
digits, made here with Python's `secrets`) are encoded that way inside a line of text, and 40
decoys of the same shape are made (random bytes in base64, hashes as hex, ordinary query strings,
zero-width in prose, fullwidth prose, placeholders). Each line is scanned on its own with
`sigil scan --format json`; a secret line counts as found when a hit covers its encoded run, a
decoy line as a false positive when it has any hit.

    python3 scripts/encoded-recall.py path/to/sigil
"""

import base64
import hashlib
import json
import secrets
import string
import subprocess
import sys
import urllib.parse

N = 40
B32 = string.ascii_uppercase + "234567"
ALNUM = string.ascii_letters + string.digits


def aws():
    return "AKIA" + "".join(secrets.choice(B32) for _ in range(16))


def stripe():
    return "sk_live_" + "".join(secrets.choice(ALNUM) for _ in range(24))


def iban():
    bank = "".join(secrets.choice(string.digits) for _ in range(18))
    rearranged = bank + "131400"  # "DE" is 13 14, then "00"
    check = 98 - int(rearranged) % 97
    return f"DE{check:02d}{bank}"


def grouped(i):
    return " ".join(i[k:k + 4] for k in range(0, len(i), 4))


def fullwidth(s):
    return "".join(chr(ord(c) - 0x21 + 0xFF01) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in s)


def zero_width(s):
    k = len(s) // 2
    return s[:k] + "\u200b" + s[k:]


CLASSES = {
    "aws in base64": lambda: base64.b64encode(f"aws key {aws()}".encode()).decode(),
    "stripe in base64": lambda: base64.b64encode(f"STRIPE_KEY={stripe()}".encode()).decode(),
    "aws as hex": lambda: aws().encode().hex(),
    "iban form-encoded": lambda: "iban=" + urllib.parse.quote_plus(grouped(iban())),
    "iban percent-encoded": lambda: urllib.parse.quote(grouped(iban())),
    "aws with zero-width": lambda: zero_width(aws()),
    "iban fullwidth": lambda: fullwidth(grouped(iban())),
}

DECOYS = {
    "random base64": lambda: base64.b64encode(secrets.token_bytes(30)).decode(),
    "sha-256 hex": lambda: hashlib.sha256(secrets.token_bytes(8)).hexdigest(),
    "query string": lambda: "q=" + urllib.parse.quote_plus(secrets.choice(["rent due friday", "weather in berlin", "best pizza"])) + "&page=" + str(secrets.randbelow(9)),
    "zero-width prose": lambda: "please\u200b review the\u200d attached\u2060 report",
    "fullwidth prose": lambda: fullwidth("Hello World " + str(secrets.randbelow(9999))),
    "placeholder base64": lambda: base64.b64encode(b"AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}").decode(),
}


def scan(sigil, lines):
    text = "\n".join(lines) + "\n"
    out = subprocess.run([sigil, "scan", "--format", "json", "-"], input=text.encode(), capture_output=True, check=False)
    hits = [json.loads(line) for line in out.stdout.decode().splitlines()]
    starts, at = [], 0
    for line in lines:
        starts.append(at)
        at += len(line.encode()) + 1
    return text, starts, hits


def main():
    sigil = sys.argv[1]
    print(f"{'class':24} {'recall':>8}")
    for name, make in CLASSES.items():
        encoded = [make() for _ in range(N)]
        lines = [f"payload: {e} ;" for e in encoded]
        _, starts, hits = scan(sigil, lines)
        found = 0
        for start, e in zip(starts, lines, strict=True):
            run_start = start + len("payload: ".encode())
            run_end = run_start + len(e.encode()) - len("payload: ".encode()) - 2
            if any(h["start"] <= run_end and run_start <= h["end"] for h in hits if start <= h["start"] < start + len(e.encode())):
                found += 1
        print(f"{name:24} {found:>4}/{N}")
    print(f"\n{'decoy':24} {'false positives':>8}")
    for name, make in DECOYS.items():
        lines = [f"payload: {make()} ;" for _ in range(N)]
        _, _, hits = scan(sigil, lines)
        flagged = len({h["line"] for h in hits})
        print(f"{name:24} {flagged:>4}/{N}")


main()
