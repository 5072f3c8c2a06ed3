#!/usr/bin/env python3
"""Median and range of a search over several seeds, beside the random control.

Usage: bench/search-seeds.py [--adrsc build/bin/adrsc]
                             [--spec examples/cant-be-late/spec.adrs]
                             [--seeds 1,2,3] [--time 5m] [-j 2]
                             [--strategies spec,random,baselines] [--out DIR]
                             [--keep]

Runs `adrsc run SPEC --seed K --time T -jJ --strategy S --fresh` once per
seed and per strategy (`spec` is the spec's own search; `baselines` is the
spec's search with --start-from-baselines, the spec's reference programs
in the initial population), one after the other so that each run has the
machine to itself, the strategies taking turns seed by seed so that a
change in the machine's load falls on all of them alike, and prints for
each strategy the median, minimum and maximum over the seeds of:
  - the best candidate's train score and test score (`adrsc best`),
  - the candidate at which the best was found,
  - the share of candidates that were duplicates of an earlier program,
  - the number of candidates, and the stalls the search answered.
The machine's load average before and after is printed beside the table.
A figure quoted for a search is a median over seeds with its range, beside
the `random` strategy (best-of-N from the initial program) run on the same
budget: one lucky run says nothing. The table is printed as Markdown, and
each run's figures as JSON lines to OUT/results.jsonl.
"""

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run_one(args, strategy, seed, directory):
    cmd = [args.adrsc, "run", args.spec, "-o", directory, "--fresh", "--force",
           "--quiet", "--seed", str(seed), "--time", args.time, "-j%d" % args.j]
    if strategy == "baselines":
        cmd += ["--start-from-baselines"]
    elif strategy != "spec":
        cmd += ["--strategy", strategy]
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit("search-seeds: %s failed (exit %d):\n%s" %
                 (" ".join(cmd), done.returncode, done.stderr[-2000:]))
    best = subprocess.run([args.adrsc, "best", directory, "--format=json"],
                          capture_output=True, text=True)
    if best.returncode != 0:
        sys.exit("search-seeds: adrsc best %s failed:\n%s" %
                 (directory, best.stderr[-2000:]))
    d = json.loads(best.stdout)
    db = sqlite3.connect("file:%s?mode=ro" %
                         os.path.join(directory, "run.db"), uri=True)
    total, duplicates = db.execute(
        "SELECT COUNT(*), SUM(status = 'duplicate') FROM candidates "
        "WHERE parents != '[]'").fetchone()
    stalls, = db.execute(
        "SELECT COUNT(*) FROM events WHERE kind = 'stall'").fetchone()
    db.close()
    test = d.get("test") or {}
    return {
        "strategy": strategy,
        "seed": seed,
        "train": d.get("score"),
        "test": test.get("score"),
        "found_at": d.get("iteration_found"),
        "candidates": total,
        "duplicate_share": (duplicates or 0) / total if total else None,
        "stalls": stalls,
    }


def spread(values, fmt):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    return ("%s (%s to %s)" % (fmt % statistics.median(values),
                               fmt % min(values), fmt % max(values)))


def main():
    p = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.split("\n")[2:]))
    p.add_argument("--adrsc", default=os.path.join(ROOT, "build", "bin",
                                                   "adrsc"))
    p.add_argument("--spec", default=os.path.join(
        ROOT, "examples", "cant-be-late", "spec.adrs"))
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--time", default="5m")
    p.add_argument("-j", type=int, default=os.cpu_count() or 1)
    p.add_argument("--strategies", default="spec,random")
    p.add_argument("--out", help="where the runs go (default: a temporary "
                   "directory, deleted unless --keep)")
    p.add_argument("--keep", action="store_true")
    p.add_argument("--table-only", action="store_true",
                   help="print the table of the runs in --out's "
                   "results.jsonl without running anything")
    args = p.parse_args()
    try:
        seeds = [int(s) for s in args.seeds.split(",")]
    except ValueError:
        sys.exit("search-seeds: --seeds takes numbers, such as 1,2,3")
    strategies = args.strategies.split(",")
    out = args.out or tempfile.mkdtemp(prefix="adrs-seeds-")
    os.makedirs(out, exist_ok=True)
    results = []
    load_before = os.getloadavg()
    if args.table_only:
        if not args.out:
            sys.exit("search-seeds: --table-only needs --out DIR")
        with open(os.path.join(out, "results.jsonl")) as f:
            results = [json.loads(line) for line in f if line.strip()]
        seeds = sorted({r["seed"] for r in results})
        strategies = list(dict.fromkeys(r["strategy"] for r in results))
        args.seeds = ",".join(str(k) for k in seeds)
    with open(os.path.join(out, "results.jsonl"), "a") as log:
        for seed in seeds if not args.table_only else []:
            for strategy in strategies:
                r = run_one(args, strategy, seed,
                            os.path.join(out, "%s-%d" % (strategy, seed)))
                results.append(r)
                log.write(json.dumps(r) + "\n")
                log.flush()
                print("search-seeds: %s seed %d: train %s, test %s, "
                      "duplicates %.1f%%" %
                      (strategy, seed, r["train"], r["test"],
                       100 * (r["duplicate_share"] or 0)), file=sys.stderr)
    load_after = os.getloadavg()
    load = ("load average %.1f before, %.1f after" %
            (load_before[0], load_after[0]) if not args.table_only else
            "runs made earlier (their load is not known here)")
    print("%s, %d seeds (%s), %s each, -j%d, %d cores; %s\n" %
          (os.path.relpath(args.spec, ROOT), len(seeds), args.seeds,
           args.time, args.j, os.cpu_count() or 1, load))
    print("| strategy | train score | test score | best found at | "
          "duplicates | candidates | stalls |")
    print("|---|---|---|---|---|---|---|")
    for strategy in strategies:
        rs = [r for r in results if r["strategy"] == strategy]
        print("| %s | %s | %s | %s | %s | %s | %s |" % (
            strategy,
            spread([r["train"] for r in rs], "%.2f"),
            spread([r["test"] for r in rs], "%.2f"),
            spread([r["found_at"] for r in rs], "%d"),
            spread([100 * r["duplicate_share"] for r in rs
                    if r["duplicate_share"] is not None], "%.1f%%"),
            spread([r["candidates"] for r in rs], "%d"),
            spread([r["stalls"] for r in rs], "%d")))
    print("\nmedian (min to max) over the seeds")
    if not args.out and not args.keep:
        subprocess.run(["rm", "-rf", out])


if __name__ == "__main__":
    main()
