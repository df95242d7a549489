#!/usr/bin/env python3
"""Builds scanner corpora from text that this repository did not write, as MCP traffic.

    python3 scripts/make-corpora.py OUT_DIR [--mb 20] [--source DIR]... [--api DIR]... [--log FILE]...

Writes four JSONL files, one JSON-RPC message per line, each with a `.truth.jsonl` beside it:

- `source.jsonl`: `read_file` calls and their results, holding real source files (by default the
  Rust crates in the cargo registry, `~/.cargo/registry/src`), cut into pieces of at most 16 KiB.
- `api.jsonl`: tool results whose `structuredContent` and text are real JSON documents: with
  `--fetch`, real API responses (the npm registry's documents for the packages in
  `tests/inspector/package-lock.json`, PyPI's JSON API for those in `tests/python/requirements.txt`
  and the packages `--pip-dir` holds), saved in OUT_DIR/fetched; and every `*.json` under
  `tests/inspector/node_modules` (package manifests, schemas, data) and `--api` directories.
- `logs.jsonl`: real log files, as `tail_log` results of 40 lines and as `notifications/message`
  lines (by default `/var/log/dpkg.log`, `/var/log/apt/*.log`, `~/.npm/_logs/*.log`; give more
  with `--log`, for example the output of `pip download -vvv` or `npm ci --loglevel silly`).
- `mixed.jsonl`: the three, interleaved line by line, with equal bytes from each.

After every 32 KiB of text, the next message gets a planted value at a line start of its text: an AWS access key id, a Stripe
live key, an IBAN with valid check digits, the same AWS key inside base64, or an IBAN
percent-encoded. All are made here from a seeded generator (not real secrets). The truth file
gives each planted value's byte span in its line, in the format the scan bench reads
(`SIGIL_BENCH_CORPUS`, see sigil-runtime/benches/external_corpus/mod.rs). A hit elsewhere is
either a real finding in the real text or a false positive: the bench lists them by rule.
"""

import argparse
import base64
import glob
import json
import os
import random
import string
import urllib.parse
import urllib.request

PIECE = 16 << 10
PLANT_BYTES = 32 << 10
B32 = string.ascii_uppercase + "234567"
ALNUM = string.ascii_letters + string.digits


def aws(r):
    return "AKIA" + "".join(r.choice(B32) for _ in range(16))


def iban(r):
    bank = "".join(r.choice(string.digits) for _ in range(18))
    check = 98 - int(bank + "131400") % 97  # "DE" is 13 14, then "00"
    i = f"DE{check:02d}{bank}"
    return " ".join(i[k:k + 4] for k in range(0, len(i), 4))


# (label, kind, make(r) -> (text to insert, the value as it appears in the JSON line))
PLANTS = [
    ("aws-access-key", "CloudKey", lambda r: (lambda v: (f"aws_access_key_id = {v}", v))(aws(r))),
    ("stripe-live-key", "ApiKey",
     lambda r: (lambda v: (f"STRIPE_SECRET_KEY={v}", v))("sk_live_" + "".join(r.choice(ALNUM) for _ in range(24)))),
    ("iban", "Iban", lambda r: (lambda v: (f"pay to {v} today", v))(iban(r))),
    ("aws-in-base64", "CloudKey",
     lambda r: (lambda v: (f"attachment: {v}", v))(base64.b64encode(f"aws_access_key_id = {aws(r)}\n".encode()).decode())),
    ("iban-percent-encoded", "Iban",
     lambda r: (lambda v: (f"https://pay.example/?to={v}&ok=1", v))(urllib.parse.quote(iban(r)))),
]


class Corpus:
    def __init__(self, name, budget, r):
        self.name, self.budget, self.r = name, budget, r
        self.lines, self.truth, self.size, self.unplanted = [], [], 0, 0

    def full(self):
        return self.size >= self.budget

    def due(self, text):
        """Whether a value is planted in `text`: once 32 KiB of text went by unplanted."""
        self.unplanted += len(text)
        if self.unplanted < PLANT_BYTES:
            return False
        self.unplanted = 0
        return True

    def plant(self, text):
        """Maybe inserts a planted value at a line start of `text`; returns (text, plant)."""
        if not self.due(text):
            return text, None
        label, kind, make = self.r.choice(PLANTS)
        insert, value = make(self.r)
        starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        at = self.r.choice(starts)
        return text[:at] + insert + "\n" + text[at:], (label, kind, value)

    def add(self, message, plant=None):
        line = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
        raw = line.encode()
        if plant:
            label, kind, value = plant
            needle = json.dumps(value, ensure_ascii=False)[1:-1].encode()
            at = raw.find(needle)
            assert at >= 0, (label, value)
            while at >= 0:
                self.truth.append({"line": len(self.lines) + 1, "start": at, "end": at + len(needle),
                                   "label": label, "kind": kind})
                at = raw.find(needle, at + len(needle))
        self.lines.append(line)
        self.size += len(raw) + 1

    def write(self, out):
        with open(os.path.join(out, f"{self.name}.jsonl"), "w", encoding="utf-8") as f:
            f.writelines(line + "\n" for line in self.lines)
        with open(os.path.join(out, f"{self.name}.truth.jsonl"), "w", encoding="utf-8") as f:
            f.writelines(json.dumps(t) + "\n" for t in self.truth)
        print(f"{self.name}.jsonl: {len(self.lines)} messages, {self.size / 1e6:.1f} MB, "
              f"{len(self.truth)} planted spans")


def read_text(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def result(i, content, structured=None):
    body = {"content": content, "isError": False}
    if structured is not None:
        body["structuredContent"] = structured
    return {"jsonrpc": "2.0", "id": i, "result": body}


def call(i, tool, arguments):
    return {"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}


def texts(c, dirs, pattern, max_len=None):
    """(path, text) of the files matching `pattern` under `dirs`, in a seeded shuffled order;
    files that are not UTF-8 text, or longer than `max_len`, are skipped."""
    files = sorted(p for d in dirs for p in glob.glob(os.path.join(d, "**", pattern), recursive=True))
    c.r.shuffle(files)
    for path in files:
        text = read_text(path)
        if text and (max_len is None or len(text) <= max_len):
            yield path, text


def source(c, dirs):
    i = 0
    for path, text in texts(c, dirs, "*.rs"):
        for piece in range(0, len(text), PIECE):
            i += 1
            rel = os.path.relpath(path, os.path.commonpath(dirs) if dirs else "/")
            c.add(call(i, "read_file", {"path": rel, "offset": piece, "length": PIECE}))
            text_piece, plant = c.plant(text[piece:piece + PIECE])
            c.add(result(i, [{"type": "text", "text": text_piece}]), plant)
            if c.full():
                return


def api(c, dirs):
    i = 0
    for path, text in texts(c, dirs, "*.json", max_len=2 << 20):
        try:
            doc = json.loads(text)
        except ValueError:
            continue
        i += 1
        structured = doc if isinstance(doc, dict) else {"value": doc}
        plant = None
        if c.due(text):
            label, kind, make = c.r.choice(PLANTS)
            insert, value = make(c.r)
            structured = dict(structured, note=insert)
            plant = (label, kind, value)
        dump = json.dumps(structured, ensure_ascii=False, indent=2)
        c.add(call(i, "fetch_json", {"url": "file://" + os.path.basename(path)}))
        c.add(result(i, [{"type": "text", "text": dump}], structured), plant)
        if c.full():
            return


def logs(c, files):
    i = 0
    for path in files:
        text = read_text(path)
        if not text:
            continue
        lines = text.splitlines()
        logger = os.path.basename(path)
        for k in range(0, len(lines), 40):
            chunk = lines[k:k + 40]
            i += 1
            if i % 3 == 0:
                for line in chunk:
                    line, plant = c.plant(line)
                    c.add({"jsonrpc": "2.0", "method": "notifications/message",
                           "params": {"level": "info", "logger": logger, "data": line}}, plant)
            else:
                c.add(call(i, "tail_log", {"file": logger, "from_line": k + 1}))
                text_piece, plant = c.plant("\n".join(chunk))
                c.add(result(i, [{"type": "text", "text": text_piece}]), plant)
            if c.full():
                return


def mixed(c, parts):
    by_line = []
    for p in parts:
        truth = {}
        for t in p.truth:
            truth.setdefault(t["line"], []).append(t)
        by_line.append([(line, truth.get(n + 1, [])) for n, line in enumerate(p.lines)])
    # Equal bytes from each: the next line comes from the part that has given the fewest.
    given, at = [0] * len(by_line), [0] * len(by_line)
    while not c.full():
        open_parts = [k for k in range(len(by_line)) if at[k] < len(by_line[k])]
        if not open_parts:
            break
        k = min(open_parts, key=lambda k: given[k])
        line, truth = by_line[k][at[k]]
        at[k] += 1
        for t in truth:
            c.truth.append(dict(t, line=len(c.lines) + 1))
        c.lines.append(line)
        n = len(line.encode()) + 1
        c.size += n
        given[k] += n


def fetch(out, root, pip_dir, budget):
    """Saves real registry API responses in OUT/fetched until `budget` bytes; returns the dir."""
    with open(os.path.join(root, "tests/inspector/package-lock.json"), encoding="utf-8") as f:
        lock = json.load(f)
    npm = sorted({k.rsplit("node_modules/", 1)[1] for k in lock.get("packages", {}) if "node_modules/" in k})
    with open(os.path.join(root, "tests/python/requirements.txt"), encoding="utf-8") as f:
        pypi = {line.split("=")[0].split("[")[0].split(">")[0].split("<")[0].strip()
                for line in f if line.strip() and not line.startswith("#")}
    if pip_dir:
        for name in os.listdir(pip_dir):
            pypi.add(name.split("-")[0].replace("_", "-").lower())
    urls = [f"https://registry.npmjs.org/{urllib.parse.quote(n, safe='@')}" for n in npm]
    urls += [f"https://pypi.org/pypi/{n}/json" for n in sorted(pypi)]
    random.Random(7).shuffle(urls)
    d = os.path.join(out, "fetched")
    os.makedirs(d, exist_ok=True)
    total = 0
    for url in urls:
        if total >= budget:
            break
        name = url.split("//", 1)[1].replace("/", "_") + ".json"
        path = os.path.join(d, name)
        if not os.path.exists(path):
            try:
                with urllib.request.urlopen(url, timeout=20) as r:
                    body = r.read()
            except OSError as e:
                print(f"skipped {url}: {e}")
                continue
            with open(path, "wb") as f:
                f.write(body)
        total += os.path.getsize(path)
    return d


def main():
    home = os.path.expanduser("~")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--mb", type=float, default=20)
    ap.add_argument("--seed", type=int, default=0x5161)
    ap.add_argument("--source", action="append")
    ap.add_argument("--api", action="append")
    ap.add_argument("--log", action="append", default=[])
    ap.add_argument("--fetch", action="store_true")
    ap.add_argument("--pip-dir")
    a = ap.parse_args()
    sources = a.source or sorted(glob.glob(os.path.join(home, ".cargo/registry/src/*")))
    apis = a.api or [os.path.join(root, "tests/inspector/node_modules")]
    log_files = sorted(glob.glob("/var/log/dpkg.log") + glob.glob("/var/log/apt/*.log")
                       + glob.glob(os.path.join(home, ".npm/_logs/*.log"))) + a.log
    os.makedirs(a.out, exist_ok=True)
    budget = int(a.mb * 1e6)
    if a.fetch:
        apis = [fetch(a.out, root, a.pip_dir, 2 * budget)] + apis
    r = random.Random(a.seed)
    parts = []
    for name, fill, inputs in [("source", source, sources), ("api", api, apis), ("logs", logs, log_files)]:
        c = Corpus(name, budget, r)
        fill(c, inputs)
        c.write(a.out)
        parts.append(c)
    m = Corpus("mixed", budget, r)
    mixed(m, parts)
    m.write(a.out)


main()
