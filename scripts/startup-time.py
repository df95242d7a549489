#!/usr/bin/env python3
"""CPU time of whole `sigil scan` processes on a tiny input: the median of 10 runs each.

    python3 scripts/startup-time.py BIN [BIN...]

Each BIN is run as `BIN scan FILE` on a 15-byte file, alternating the binaries, and the
median user+system CPU time of each is printed (from getrusage, not wall time).
"""
import os
import resource
import statistics
import subprocess
import sys
import tempfile

RUNS = 10


def cpu_ms(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return 1000 * ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))


def main():
    bins = sys.argv[1:]
    if not bins:
        sys.exit(__doc__)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("hello world 42\n")
    times = {b: [] for b in bins}
    for _ in range(RUNS):
        for b in bins:
            times[b].append(cpu_ms([b, "scan", f.name]))
    os.unlink(f.name)
    for b in bins:
        t = sorted(times[b])
        print(f"{b}: median {statistics.median(t):.1f} ms CPU (min {t[0]:.1f}, max {t[-1]:.1f}) over {RUNS} runs")


if __name__ == "__main__":
    main()
