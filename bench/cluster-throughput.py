#!/usr/bin/env python3
"""Candidates per second with the local executor and with SLURM workers,
side by side in one run of this script.

Usage: bench/cluster-throughput.py [--adrsc build/bin/adrsc]
                                   [--spec examples/cant-be-late/spec.adrs]
                                   [--iterations 200] [--workers 1,2]

Needs a SLURM cluster that answers (test/Inputs/slurm.sh up starts a
one-node one on this machine). For each N in --workers, runs the spec for
ITERATIONS candidates with `-jN` (local zygotes) and with `--executor slurm
--workers N` (`adrsc worker` job steps over srun's pipes), same seed, no
minimisation, each in a fresh run directory, and prints:

  - candidates/s from each run's summary (the whole session: start-up, the
    workers' one compile of the prebuilt code, and the search);
  - the median time between two consecutive candidates of a one-worker run
    (finished_at in the run database): with one worker the candidates are
    strictly one after another, so the difference between the local and
    the SLURM median is what the srun pipe adds to each candidate.
"""

import argparse
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(adrsc, spec, directory, iterations, extra):
    cmd = [adrsc, "run", spec, "-o", directory, "--iterations",
           str(iterations), "--no-minimize", "--quiet", "--fresh",
           "--force"] + extra
    start = time.monotonic()
    out = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - start
    if out.returncode != 0:
        sys.exit("cluster-throughput: %s failed:\n%s" % (" ".join(cmd),
                                                          out.stderr))
    m = re.search(r"^this run\s+(\d+) in ([0-9.]+) s, ([0-9.]+) candidates/s",
                  out.stdout, re.M)
    if not m:
        sys.exit("cluster-throughput: no summary in:\n" + out.stdout)
    db = sqlite3.connect(os.path.join(directory, "run.db"))
    times = [r[0] for r in db.execute(
        "SELECT finished_at FROM candidates WHERE id > 0 ORDER BY seq")]
    db.close()
    gaps = [b - a for a, b in zip(times, times[1:])]
    return {"candidates": int(m.group(1)), "seconds": float(m.group(2)),
            "rate": float(m.group(3)), "wall": wall,
            "gap_ms": 1000 * statistics.median(gaps) if gaps else 0.0}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--adrsc", default=os.path.join(ROOT, "build", "bin",
                                                   "adrsc"))
    p.add_argument("--spec", default=os.path.join(ROOT, "examples",
                                                  "cant-be-late", "spec.adrs"))
    p.add_argument("--iterations", type=int, default=200)
    p.add_argument("--workers", default="1,2")
    args = p.parse_args()
    counts = [int(x) for x in args.workers.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="adrsc-cluster-bench-") as tmp:
        for n in counts:
            local = run(args.adrsc, args.spec, os.path.join(tmp, "l%d" % n),
                        args.iterations, ["-j%d" % n])
            slurm = run(args.adrsc, args.spec, os.path.join(tmp, "s%d" % n),
                        args.iterations,
                        ["--executor", "slurm", "--workers", str(n)])
            rows.append((n, local, slurm))
    print("%-8s %-22s %-22s %s" % ("workers", "local cand/s (s)",
                                  "slurm cand/s (s)", "slurm/local"))
    for n, local, slurm in rows:
        print("%-8d %-22s %-22s %.2f" % (
            n, "%.1f (%.1f)" % (local["rate"], local["seconds"]),
            "%.1f (%.1f)" % (slurm["rate"], slurm["seconds"]),
            slurm["rate"] / local["rate"]))
    for n, local, slurm in rows:
        if n == 1:
            print("one worker, median time between candidates: local %.1f ms,"
                  " slurm %.1f ms: the srun pipe adds %.1f ms per candidate"
                  % (local["gap_ms"], slurm["gap_ms"],
                     slurm["gap_ms"] - local["gap_ms"]))


if __name__ == "__main__":
    main()
