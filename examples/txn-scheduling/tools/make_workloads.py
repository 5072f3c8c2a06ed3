#!/usr/bin/env python3
"""Writes the workload files of the transaction-scheduling example.

    python3 tools/make_workloads.py [--seed N] [--check]

Run from examples/txn-scheduling/ (or anywhere: paths are relative to this
script). It does two things:

1. Converts data/txn_workloads.json (the three published workloads) into
   data/train/w1.txns, w2.txns, w3.txns: one transaction per line, exactly
   the strings of the JSON, in the same order, after a '#' header.

2. Generates the held-out workloads data/test/w1.txns, w2.txns, w3.txns,
   each from a model whose parameters are estimated from the train file of
   the same number (the models are described in data/README.md). One
   random.Random(seed) is used for all three, in that order; the default
   seed is 2024. Python's random module gives the same stream for the same
   seed on every platform and every Python 3 version since 3.2.

--check regenerates everything in memory and compares it with the files on
disk instead of writing them: exit 0 when they are identical, 1 otherwise.

Only the Python 3 standard library is used.
"""
import argparse
import collections
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "data")
SOURCE = ("skydiscover-ai/skydiscover benchmarks/ADRS/txn_scheduling/"
          "evaluator/workloads.py (Apache-2.0)")
NAMES = ["WORKLOAD_1", "WORKLOAD_2", "WORKLOAD_3"]


def parse(line):
    """A transaction as a list of (kind, key) with kind 'r', 'w' or '*'."""
    ops = []
    for word in line.split(" "):
        if word == "*":
            ops.append(("*", None))
        else:
            kind, key = word.split("-")
            assert kind in ("r", "w") and key, word
            ops.append((kind, key))
    return ops


def text(ops):
    return " ".join("*" if k == "*" else "%s-%s" % (k, key) for k, key in ops)


def read_txns(path):
    with open(path, encoding="utf-8") as f:
        return [parse(l.rstrip("\n")) for l in f
                if l.strip() and not l.startswith("#")]


def draw(rng, counts):
    """One value drawn from the empirical frequencies in `counts`."""
    values = sorted(counts)
    return rng.choices(values, weights=[counts[v] for v in values])[0]


# --- W1: 16 distinct keys from a skewed key population ------------------------

MIN_OWN_SPREAD = 5


def gen_w1(train, rng):
    n = len(train)
    length = len(train[0])
    assert all(len(t) == length and all(k != "*" for k, _ in t) for t in train)
    assert all(len({key for _, key in t}) == length for t in train)
    # How often each key is in a transaction, and where in it.
    contains = collections.Counter(key for t in train for _, key in t)
    relpos = collections.defaultdict(list)
    for t in train:
        for i, (_, key) in enumerate(t):
            relpos[key].append(i / (length - 1))
    mean = {k: sum(v) / len(v) for k, v in relpos.items()}
    sq = sum((x - mean[k]) ** 2 for k, v in relpos.items() for x in v)
    dof = sum(len(v) - 1 for v in relpos.values())
    pooled = math.sqrt(sq / dof)
    # Each key's own spread when it occurs often enough to estimate one.
    sigma = {k: (math.sqrt(sum((x - mean[k]) ** 2 for x in v) / len(v))
                 if len(v) >= MIN_OWN_SPREAD else pooled)
             for k, v in relpos.items()}
    writes = sum(kind == "w" for t in train for kind, _ in t)
    q = writes / (n * length)
    keys = sorted(contains, key=int)
    out = []
    for _ in range(n):
        # Each key independently with its inclusion rate, until exactly
        # `length` keys are chosen (conditional Poisson sampling).
        while True:
            chosen = [k for k in keys if rng.random() < contains[k] / n]
            if len(chosen) == length:
                break
        # In the published workload keys come in a near-fixed order: sort by
        # the key's mean relative position plus Gaussian noise of the key's
        # spread.
        noisy = {k: mean[k] + rng.gauss(0, sigma[k]) for k in chosen}
        chosen.sort(key=lambda k: noisy[k])
        out.append([("w" if rng.random() < q else "r", k) for k in chosen])
    model = ("%d transactions x %d distinct keys; key k in a transaction with "
             "its rate in train w1 (%d keys), ordered by the key's mean "
             "relative position + N(0, sd), sd the key's own (%d keys with "
             "%d+ occurrences) or the pooled %.4f; write with probability %.4f"
             % (n, length, len(keys),
                sum(len(v) >= MIN_OWN_SPREAD for v in relpos.values()),
                MIN_OWN_SPREAD, pooled, q))
    return out, model


# --- W2: two transaction shapes over warehouse-like and district-like keys ----

LONG, SHORT = "r-A r-B w-B + 18 x *", "r-A w-A r-B w-B *"


def shape_w2(t):
    kinds = [k for k, _ in t]
    if kinds == ["r", "r", "w"] + ["*"] * 18 and t[1][1] == t[2][1]:
        return LONG, t[0][1], t[1][1]
    if kinds == ["r", "w", "r", "w", "*"] and t[0][1] == t[1][1] \
            and t[2][1] == t[3][1]:
        return SHORT, t[0][1], t[2][1]
    raise AssertionError("unexpected W2 transaction: " + text(t))


def gen_w2(train, rng):
    shapes = [shape_w2(t) for t in train]
    a_counts = collections.Counter(int(a) for _, a, _ in shapes)
    offsets = collections.Counter(int(b) - 10 * int(a) for _, a, b in shapes)
    assert min(offsets) >= 1 and max(offsets) <= 10, offsets
    out = []
    for shape, _, _ in shapes:  # the same shape at the same line as in train
        a = draw(rng, a_counts)
        b = 10 * a + draw(rng, offsets)
        if shape == LONG:
            out.append([("r", str(a)), ("r", str(b)), ("w", str(b))]
                       + [("*", None)] * 18)
        else:
            out.append([("r", str(a)), ("w", str(a)), ("r", str(b)),
                        ("w", str(b)), ("*", None)])
    model = ("line i has the shape of line i of train w2 (%s, or %s); A drawn "
             "from train's frequencies of A over 1..%d, B = 10 A + d with d "
             "drawn from train's frequencies of B - 10 A (1..10)"
             % (LONG, SHORT, max(a_counts)))
    return out, model


# --- W3: r-A, 7 x *, w-B with A and B in opposite halves of the keys ----------

def gen_w3(train, rng):
    pairs = []
    for t in train:
        kinds = [k for k, _ in t]
        assert kinds == ["r"] + ["*"] * 7 + ["w"], text(t)
        pairs.append((int(t[0][1]), int(t[-1][1])))
    top = max(max(p) for p in pairs)
    half = top // 2
    assert all((a <= half) != (b <= half) for a, b in pairs)
    # The published file is two blocks (reads of low keys first); the order
    # of the lines matters to the sequential makespan, so it is kept.
    a_counts, b_counts = {}, {}
    for low in (True, False):
        a_counts[low] = collections.Counter(a for a, _ in pairs
                                            if (a <= half) == low)
        b_counts[low] = collections.Counter(b for a, b in pairs
                                            if (a <= half) == low)
    out = []
    for a0, _ in pairs:  # line i reads a key of the half line i of train reads
        low = a0 <= half
        a = draw(rng, a_counts[low])
        b = draw(rng, b_counts[low])
        out.append([("r", str(a))] + [("*", None)] * 7 + [("w", str(b))])
    model = ("%d x (r-A, 7 x *, w-B); line i reads a key of the half of 1..%d "
             "(1..%d or %d..%d) that line i of train w3 reads; A and B drawn "
             "independently from train's frequencies of A and of B among the "
             "lines of that half; B is always in the other half"
             % (len(train), top, half, half + 1, top))
    return out, model


def files(seed):
    """{relative path: contents} of every file this script writes."""
    with open(os.path.join(DATA, "txn_workloads.json"), encoding="utf-8") as f:
        published = json.load(f)["workloads"]
    result = {}
    train = []
    for i, name in enumerate(NAMES, 1):
        lines = published[name]
        txns = [parse(l) for l in lines]
        assert [text(t) for t in txns] == lines
        train.append(txns)
        result["train/w%d.txns" % i] = (
            "# %s of data/txn_workloads.json, from %s.\n"
            "# One transaction per line, in the order of the JSON (its index "
            "is its line among the non-# lines).\n" % (name, SOURCE)
            + "".join(l + "\n" for l in lines))
    import random
    rng = random.Random(seed)
    for i, gen in enumerate([gen_w1, gen_w2, gen_w3], 1):
        txns, model = gen(train[i - 1], rng)
        result["test/w%d.txns" % i] = (
            "# Held out: generated by tools/make_workloads.py --seed %d from "
            "the statistics of data/train/w%d.txns.\n# Model: %s.\n"
            % (seed, i, model)
            + "".join(text(t) + "\n" for t in txns))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--check", action="store_true",
                        help="compare with the files on disk; write nothing")
    args = parser.parse_args()
    different = []
    for rel, contents in files(args.seed).items():
        path = os.path.join(DATA, rel)
        if args.check:
            try:
                with open(path, encoding="utf-8") as f:
                    same = f.read() == contents
            except OSError:
                same = False
            if not same:
                different.append(rel)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(contents)
            print("wrote data/" + rel)
    if args.check:
        for rel in different:
            print("differs: data/" + rel)
        return 1 if different else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
