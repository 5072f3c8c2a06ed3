#!/usr/bin/env python3
"""Compares the evaluator's figures for every published case with the
reference's.

    adrsc eval examples/prism/spec.adrs [--baseline NAME] --format=json \\
      | python3 tools/check_expected.py --placement greedy|round_robin|exact

data/seed-42-expected.tsv has, for each of the 50 seed-42 cases, the max
KVPR of round-robin, of the initial program (the leaderboard's greedy) and
of the exact optimum, the lower bound, and the case scores of the greedy
and of the optimum, as computed with the leaderboard's evaluator
(data/README.md). The evaluator's artifact `cases data/train/seed-42.cases`
has one line per case with the same quantities for the placement it scored.
--placement says which column the placement's max KVPR and score are
checked against.

Every KVPR must agree within 1e-12 and every score within 1e-6 (the file
keeps 6 decimals). Prints one line and exits 0 when all do; otherwise
names every case that does not and exits 1.

Only the Python 3 standard library is used.
"""
import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = os.path.join(os.path.dirname(HERE), "data", "seed-42-expected.tsv")
ARTIFACT = "cases data/train/seed-42.cases"
KVPR_TOLERANCE = 1e-12
SCORE_TOLERANCE = 1e-6
LINE = re.compile(
    r"case (\d+): max KVPR (\S+), optimum (\S+), gap \S+%, "
    r"round-robin (\S+), lower bound (\S+), score (\S+)$")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--placement", required=True,
                        choices=["greedy", "round_robin", "exact"])
    args = parser.parse_args()

    with open(EXPECTED) as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    header, rows = rows[0], rows[1:]
    expected = [dict(zip(header, row)) for row in rows]

    report = json.load(sys.stdin)
    text = report.get("artifacts", {}).get(ARTIFACT)
    if text is None:
        print("the report has no artifact '%s' (status %s)" %
              (ARTIFACT, report.get("status")))
        return 1
    got = {}
    for line in text.splitlines():
        m = LINE.match(line)
        if not m:
            print("cannot read the line %r" % line)
            return 1
        got[int(m.group(1))] = [float(x) for x in m.groups()[1:]]

    kvpr_column = {"greedy": "greedy_kvpr", "round_robin": "rr_kvpr",
                   "exact": "exact_opt_kvpr"}[args.placement]
    score_column = {"greedy": "greedy_test_score", "round_robin": None,
                    "exact": "opt_test_score"}[args.placement]
    wrong = []
    for want in expected:
        case = int(want["case"])
        if case not in got:
            wrong.append("case %d: not in the artifact" % case)
            continue
        kvpr, optimum, rr, bound, score = got[case]
        want_score = float(want[score_column]) if score_column else 0.0
        checks = [("max KVPR", kvpr, float(want[kvpr_column]), KVPR_TOLERANCE),
                  ("optimum", optimum, float(want["exact_opt_kvpr"]),
                   KVPR_TOLERANCE),
                  ("round-robin", rr, float(want["rr_kvpr"]), KVPR_TOLERANCE),
                  ("lower bound", bound, float(want["lower_bound_kvpr"]),
                   KVPR_TOLERANCE),
                  ("score", score, want_score, SCORE_TOLERANCE)]
        for name, value, reference, tolerance in checks:
            if abs(value - reference) > tolerance:
                wrong.append("case %d: %s %r, the reference's %r" %
                             (case, name, value, reference))
    if len(got) != len(expected):
        wrong.append("the artifact has %d cases, the reference %d" %
                     (len(got), len(expected)))
    if wrong:
        print("\n".join(wrong))
        return 1
    print("all %d cases agree with the reference (KVPR within %g, score "
          "within %g)" % (len(expected), KVPR_TOLERANCE, SCORE_TOLERANCE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
