#!/usr/bin/env python3
"""Candidates per second of `adrsc run` with a slow model, side by side.

Usage: bench/run-concurrency.py [--adrsc build/bin/adrsc] [--delay 1.0]
                                [--concurrency 1,16] [--seconds 30] [-j 2]

Runs the main example (Can't Be Late) with `generator llm` against
test/Inputs/fake-llm-server.py on 127.0.0.1, which answers every request
after DELAY seconds with a rewrite of the policy region (a different
margin each time, so that no two candidates are the same program), once
for each concurrency, each for SECONDS of run time, and prints candidates
per second from each run's summary. With a 1 s model, `concurrency 1`
gives about 1 candidate/s, and `concurrency 16` should give more than 10
on 2 cores: proposals wait on the model beside the evaluation workers,
never in front of them. Confirmation is off here: this measures the
proposal pipeline, not how often a new best is found.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EXAMPLE = os.path.join(ROOT, "examples", "cant-be-late")

def rewrites(count):
    """The example's own policy region, each time with another margin."""
    with open(os.path.join(EXAMPLE, "policy", "greedy.cpp")) as f:
        text = f.read()
    body = text.split("// EVOLVE-BLOCK-START policy\n")[1]
    body = body.split("// EVOLVE-BLOCK-END")[0].rstrip() + "\n"
    if "const double margin = 1.0;" not in body:
        sys.exit("run-concurrency: the example's policy has no margin to vary")
    for i in range(count):
        margin = "%.4f" % (1.0 + i * 1e-4)
        yield ("A margin of %s.\n\n```cpp policy\n%s```\n" %
               (margin, body.replace("const double margin = 1.0;",
                                     "const double margin = %s;" % margin)))


def spec_text(concurrency, seconds):
    with open(os.path.join(EXAMPLE, "spec.adrs")) as f:
        text = f.read()
    # The example's own paths are relative to its directory: make them
    # absolute, and replace its generator and budget.
    text = re.sub(r'"(sim|eval|policy|data|baselines)/',
                  lambda m: '"' + EXAMPLE + "/" + m.group(1) + "/", text)
    text = re.sub(r'include "sim"', 'include "' + EXAMPLE + '/sim"', text)
    text = re.sub(r"\n\s*generator [^\n]*(\{[^}]*\})?", "\n", text)
    text = re.sub(r"\n\s*budget [^\n]*", "\n", text)
    text = re.sub(r"\n\s*search [^\n]*", "\n", text)
    block = (
        "  generator llm {\n"
        '    endpoint "http://127.0.0.1:1/v1",\n'
        "    api_key env ADRS_BENCH_KEY,\n"
        '    model "fake-model",\n'
        "    concurrency %d,\n"
        "    fixes 0\n"
        "  }\n"
        "  search islands, confirm off\n"
        "  budget time %ds\n" % (concurrency, seconds))
    return text[:text.rindex("}")] + block + "}\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--adrsc", default=os.path.join(ROOT, "build", "bin",
                                                   "adrsc"))
    p.add_argument("--delay", type=float, default=1.0)
    p.add_argument("--concurrency", default="1,16")
    p.add_argument("--seconds", type=int, default=30)
    p.add_argument("-j", type=int, default=2)
    a = p.parse_args()
    levels = [int(c) for c in a.concurrency.split(",")]
    steps = [{"reply": r, "delay": a.delay} for r in rewrites(20000)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "script.json")
        with open(script, "w") as f:
            json.dump({"steps": steps}, f)
        for c in levels:
            spec = os.path.join(tmp, "c%d.adrs" % c)
            with open(spec, "w") as f:
                f.write(spec_text(c, a.seconds))
            out = subprocess.run(
                [sys.executable,
                 os.path.join(ROOT, "test", "Inputs", "with-llm-server.py"),
                 script, os.path.join(tmp, "log%d.jsonl" % c), "--",
                 "env", "ADRS_BENCH_KEY=none", a.adrsc, "run", spec, "-o",
                 os.path.join(tmp, "run%d" % c), "-j", str(a.j),
                 "--llm-endpoint", "http://127.0.0.1:%PORT%/v1"],
                capture_output=True, text=True)
            m = re.search(r"this run\s+(\d+) in ([0-9.]+) s, ([0-9.]+) "
                          r"candidates/s", out.stdout)
            if out.returncode != 0 or not m:
                sys.exit("adrsc run failed (concurrency %d):\n%s%s" %
                         (c, out.stdout, out.stderr[-3000:]))
            rows.append((c, int(m.group(1)), float(m.group(2)),
                         float(m.group(3))))
    print("model answers after %.1f s; -j%d; %d s per run" %
          (a.delay, a.j, a.seconds))
    print("%-12s %10s %10s %14s" % ("concurrency", "candidates", "seconds",
                                    "candidates/s"))
    for c, n, s, r in rows:
        print("%-12d %10d %10.1f %14.2f" % (c, n, s, r))
    if len(rows) > 1:
        print("ratio %d/%d: %.1fx" % (rows[-1][0], rows[0][0],
                                      rows[-1][3] / max(rows[0][3], 1e-9)))


if __name__ == "__main__":
    main()
