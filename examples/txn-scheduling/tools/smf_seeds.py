#!/usr/bin/env python3
"""SMF sampled greedy over several seeds: the mean the README reports.

    python3 tools/smf_seeds.py [--adrsc PATH] [--seeds FIRST-LAST]

For each seed, takes the region of baselines/smf.cpp with its seed
replaced, applies it to policy/schedule.cpp as an edit (a fenced block that
rewrites region 'schedule', exactly what an LLM reply would be), and scores
it with `adrsc eval spec.adrs --edit - --workloads all --format=json`: the
same compile, sandbox and evaluator as any candidate. Prints one line per
seed (the makespan of each workload, M and the score for the training and
the held-out workloads), then the mean and the sample standard deviation.

The scores are computed as the evaluator does, per side: 0 at the side's
sequential makespan S, 100 at LB + 0.1 (S - LB).
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.dirname(HERE)
SEED_LINE = re.compile(r"^(\s*const std::uint64_t seed = )\d+;$", re.M)


def region_body(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    start = text.index("// EVOLVE-BLOCK-START schedule")
    start = text.index("\n", start) + 1
    end = text.rindex("\n", 0, text.index("// EVOLVE-BLOCK-END"))
    return text[start:end + 1]


def score(m, s, lb):
    eff = lb + 0.10 * (s - lb)
    return max(0.0, min(100.0, (s - m) / (s - eff) * 100))


def find_adrsc(given):
    if given:
        return given
    built = os.path.join(EXAMPLE, "..", "..", "build", "bin", "adrsc")
    if os.path.exists(built):
        return os.path.normpath(built)
    return shutil.which("adrsc") or sys.exit("adrsc not found; pass --adrsc")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--adrsc", help="the adrsc binary (default: the "
                        "repository's build/bin/adrsc, then PATH)")
    parser.add_argument("--seeds", default="1-10", help="FIRST-LAST")
    args = parser.parse_args()
    first, last = (int(x) for x in args.seeds.split("-"))
    adrsc = find_adrsc(args.adrsc)
    body = region_body(os.path.join(EXAMPLE, "baselines", "smf.cpp"))
    assert SEED_LINE.search(body), "no 'const std::uint64_t seed = N;' line"

    sides = {"train": [], "test": []}
    for seed in range(first, last + 1):
        edit = "```cpp schedule\n%s```\n" % SEED_LINE.sub(
            r"\g<1>%d;" % seed, body)
        run = subprocess.run(
            [adrsc, "eval", os.path.join(EXAMPLE, "spec.adrs"), "--edit", "-",
             "--workloads", "all", "--format=json"],
            input=edit, capture_output=True, text=True)
        result = json.loads(run.stdout)
        if result["status"] != "ok":
            sys.exit("seed %d: %s: %s" % (seed, result["status"],
                                          result["reason"]))
        line = "seed %2d:" % seed
        for side, rows in sides.items():
            per = {w: m for w, m in sorted(result["per_workload"].items())
                   if w.startswith("data/%s/" % side)}
            m = sum(v["makespan"] for v in per.values())
            s = sum(v["sequential"] for v in per.values())
            lb = sum(v["lower_bound"] for v in per.values())
            rows.append((m, score(m, s, lb)))
            line += "  %s %s = M %d, score %.2f" % (
                side, " + ".join("%d" % v["makespan"] for v in per.values()),
                m, rows[-1][1])
        print(line)
    for side, rows in sides.items():
        ms = [m for m, _ in rows]
        scores = [s for _, s in rows]
        sd = statistics.stdev if len(rows) > 1 else (lambda _: 0.0)
        print("%s: mean M %.1f (sd %.1f, min %d, max %d), mean score %.2f "
              "(sd %.2f) over %d seeds" % (side, statistics.mean(ms), sd(ms),
                                           min(ms), max(ms),
                                           statistics.mean(scores),
                                           sd(scores), len(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
