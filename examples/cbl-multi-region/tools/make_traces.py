#!/usr/bin/env python3
"""Writes the data files of the multi-region Can't Be Late example.

    python3 tools/make_traces.py SOURCE [--check]

SOURCE is the leaderboard's real_traces.tar.gz transcribed to one TSV
(cbl_multi_traces.tsv.gz, described in data/README.md): a header line, then
per trace `region, trace, gap_seconds, start_time, bits, prices`, where bit
t = 1 means spot is unavailable in tick t. Paths are relative to this script.
It writes:

    data/train.traces      traces 0-7 of the 9 regions (the leaderboard's)
    data/train.scenarios   the leaderboard's 6 scenarios, 34 runs
    data/heldout.traces    traces 2-99 of the 9 regions but 21 and 59
    data/heldout.scenarios the same scenarios on the traces they do not use

A traces file keeps, of each trace, what the simulator uses: the
availability as runs (a<N>: N ticks with spot, u<N>: N ticks without) and
the first spot price, the only one the leaderboard's bill reads. The
per-tick prices are left out.

--check compares what would be written with the files on disk instead:
exit 0 when they are identical, 1 otherwise.

Only the Python 3 standard library is used.
"""
import argparse
import gzip
import itertools
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "data")

SUFFIX = "_v100_1"
# The leaderboard's scenarios (problems/cant_be_late_multi/evaluator.py):
# name, regions in index order, number of traces it runs (0 .. N-1).
SCENARIOS = [
    ("2_zones_same_region", ["us-east-1a", "us-east-1c"], 8),
    ("2_regions_east_west", ["us-east-2a", "us-west-2a"], 8),
    ("3_regions_diverse", ["us-east-1a", "us-east-2b", "us-west-2c"], 6),
    ("3_zones_same_region", ["us-east-1a", "us-east-1c", "us-east-1d"], 6),
    ("5_regions_high_diversity",
     ["us-east-1a", "us-east-1f", "us-west-2a", "us-west-2b", "us-east-2b"], 4),
    ("all_9_regions",
     ["us-east-2a", "us-west-2c", "us-east-1d", "us-east-2b", "us-west-2a",
      "us-east-1f", "us-east-1a", "us-west-2b", "us-east-1c"], 2),
]
NUM_TRACES = 100
# Windows 21 and 59 are the same as 11 and 53: left out of the held-out set.
DUPLICATES = {21, 59}


def runs(bits):
    """'0001' (1 = unavailable) as 'a3,u1'."""
    return ",".join("%s%d" % ("u" if bit == "1" else "a", len(list(group)))
                    for bit, group in itertools.groupby(bits))


def ranges(indices):
    """[0, 1, 2, 5] as '0-2,5'."""
    out = []
    for _, group in itertools.groupby(enumerate(indices),
                                      lambda p: p[1] - p[0]):
        group = [i for _, i in group]
        out.append(str(group[0]) if len(group) == 1
                   else "%d-%d" % (group[0], group[-1]))
    return ",".join(out)


def heldout_indices(used):
    return [i for i in range(used, NUM_TRACES) if i not in DUPLICATES]


def read_source(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        assert header == ["region", "trace", "gap_seconds", "start_time",
                          "bits", "prices"], header
        for line in f:
            region, trace, gap, start, bits, prices = \
                line.rstrip("\n").split("\t")
            yield region, int(trace), gap, start, bits, prices.split(",")[0]


def traces_text(rows, keep, what):
    lines = [
        "# Multi-region Can't Be Late: %s." % what,
        "# region <TAB> trace <TAB> gap_seconds <TAB> start_time <TAB> "
        "spot_price <TAB> availability (a<N>: N ticks with spot, u<N>: "
        "N without)",
    ]
    for region, trace, gap, start, bits, price in rows:
        if keep(trace):
            lines.append("\t".join([region, str(trace), gap, start, price,
                                    runs(bits)]))
    return "\n".join(lines) + "\n"


def scenarios_text(held_out):
    lines = [
        "# Multi-region Can't Be Late scenarios: %s." % (
            "held-out traces of the leaderboard's scenarios" if held_out
            else "the leaderboard's"),
        "# scenario <TAB> regions, index 0 first <TAB> traces (one run each)",
    ]
    for name, regions, used in SCENARIOS:
        indices = heldout_indices(used) if held_out else list(range(used))
        lines.append("\t".join([name, ",".join(r + SUFFIX for r in regions),
                                ranges(indices)]))
    return "\n".join(lines) + "\n"


def files(source):
    rows = list(read_source(source))
    train_max = max(used for _, _, used in SCENARIOS)
    heldout_min = min(used for _, _, used in SCENARIOS)
    yield "train.traces", traces_text(
        rows, lambda i: i < train_max,
        "traces 0-%d of every region, the leaderboard's" % (train_max - 1))
    yield "train.scenarios", scenarios_text(False)
    yield "heldout.traces", traces_text(
        rows, lambda i: i >= heldout_min and i not in DUPLICATES,
        "traces %d-99 of every region but %s, held out" % (
            heldout_min, " and ".join(map(str, sorted(DUPLICATES)))))
    yield "heldout.scenarios", scenarios_text(True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", help="cbl_multi_traces.tsv.gz")
    parser.add_argument("--check", action="store_true",
                        help="compare with the files on disk, write nothing")
    args = parser.parse_args()
    stale = []
    for name, content in files(args.source):
        path = os.path.join(DATA, name)
        if args.check:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != content:
                        stale.append(name)
            except OSError:
                stale.append(name)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(content)
    if stale:
        print("differs from the source: " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
