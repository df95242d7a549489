#!/usr/bin/env python3
"""Whole-process `sigil scan` on each corpus, default path against the portable one.

    python3 scripts/scan-ab.py path/to/sigil CORPUS.jsonl [CORPUS.jsonl ...]

For each corpus, runs `sigil scan --format json CORPUS` 8 rounds; each round runs the default
path, the portable path (`SIGIL_SIMD=off`) and, where sigil-simd has more than one kernel, the
default without each (`SIGIL_SIMD=` the others), in turn. It prints
the median CPU time (user + system, from getrusage) of each, MB/s per CPU-second, and the
median over rounds of the time ratio default/variant (below 1: what the variant lacks helps).
All outputs must be identical, or the script stops.
"""
import os
import resource
import statistics
import subprocess
import sys

RUNS = 8


def run(cmd, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, out.stdout


# The kernels of sigil-simd, as SIGIL_SIMD names them (pairs and shift-and were removed on
# 2026-12-07 after this script measured them: see docs/src/scan-packs.md).
KERNELS = ["json"]
VARIANTS = [("default", None), ("portable", "off")] + [
    (f"without {k}", ",".join(x for x in KERNELS if x != k)) for k in KERNELS if len(KERNELS) > 1
]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sigil, corpora = sys.argv[1], sys.argv[2:]
    base = {k: v for k, v in os.environ.items() if k != "SIGIL_SIMD"}
    envs = [base if v is None else dict(base, SIGIL_SIMD=v) for _, v in VARIANTS]
    for corpus in corpora:
        mb = os.path.getsize(corpus) / 1e6
        cmd = [sigil, "scan", "--format", "json", corpus]
        times = [[] for _ in VARIANTS]
        outputs = set()
        for _ in range(RUNS):
            for i, env in enumerate(envs):
                t, out = run(cmd, env)
                times[i].append(t)
                outputs.add(out)
        if len(outputs) != 1:
            sys.exit(f"{corpus}: the outputs differ between runs or variants")
        print(f"\n{os.path.basename(corpus)}: {mb:.1f} MB, whole process, CPU seconds (median of {RUNS})")
        for i, (name, _) in enumerate(VARIANTS):
            med = statistics.median(times[i])
            line = f"  {name:18} {med:7.3f} s {mb / med:6.0f} MB/s"
            if i:
                r = [a / b for a, b in zip(times[0], times[i])]
                line += f"   default/this {statistics.median(r):.3f} ({min(r):.3f}..{max(r):.3f})"
            print(line)


if __name__ == "__main__":
    main()
