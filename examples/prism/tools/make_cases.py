#!/usr/bin/env python3
"""Writes the cases files of the Prism example.

    python3 tools/make_cases.py [--check]

Paths are relative to this script. Each file holds the 50 cases that the
leaderboard's evaluator generates from one seed:

    data/train/seed-42.cases       seed 42, the leaderboard's own cases
    data/test/seed-01.cases ...    seeds 1 to 20, held out
    data/test/seed-20.cases

The recipe is the evaluator's: numpy's legacy RandomState seeded with
np.random.seed(SEED); for each of 50 cases gpu_num = randint(5, 10), then for
each of its 2 * gpu_num models size = randint(10, 30), req_rate =
randint(1, 10), slo = randint(5, 10), the upper bounds exclusive. numpy is
not needed: RandomState is MT19937 seeded with init_genrand(SEED), and
randint(lo, hi) masks 32-bit outputs with the smallest 2^k - 1 that covers
hi - 1 - lo, drawing again until the value fits. For seed 42 this gives the
leaderboard's cases exactly.

--check regenerates every file in memory and compares it with the file on
disk instead of writing it: exit 0 when all are identical, 1 otherwise.

Only the Python 3 standard library is used.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "data")
TRAIN_SEEDS = [42]
TEST_SEEDS = list(range(1, 21))
CASES_PER_SEED = 50


class MT19937:
    """The Mersenne Twister as numpy's legacy RandomState seeds it."""

    def __init__(self, seed):
        self.state = [seed & 0xFFFFFFFF]
        for i in range(1, 624):
            prev = self.state[-1]
            self.state.append((1812433253 * (prev ^ (prev >> 30)) + i)
                              & 0xFFFFFFFF)
        self.index = 624

    def next_uint32(self):
        if self.index >= 624:
            mt = self.state
            for k in range(624):
                y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7FFFFFFF)
                mt[k] = (mt[(k + 397) % 624] ^ (y >> 1)
                         ^ (0x9908B0DF if y & 1 else 0))
            self.index = 0
        y = self.state[self.index]
        self.index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        return y & 0xFFFFFFFF

    def randint(self, lo, hi):
        """numpy's RandomState.randint(lo, hi): hi is exclusive."""
        span = hi - 1 - lo
        if span == 0:
            return lo
        mask = span
        for shift in (1, 2, 4, 8, 16):
            mask |= mask >> shift
        while True:
            value = self.next_uint32() & mask
            if value <= span:
                return lo + value


def cases(seed):
    """The evaluator's cases for one seed: [(gpu_num, [(size, rate, slo)])]."""
    rng = MT19937(seed)
    out = []
    for _ in range(CASES_PER_SEED):
        gpus = rng.randint(5, 10)
        models = []
        for _ in range(2 * gpus):
            size = rng.randint(10, 30)
            rate = rng.randint(1, 10)
            slo = rng.randint(5, 10)
            models.append((size, rate, slo))
        out.append((gpus, models))
    return out


def text(seed, role):
    lines = [
        "# Prism placement cases: the leaderboard's recipe with seed %d (%s)."
        % (seed, role),
        "# gpu_num <TAB> models, each size_gb:req_rate:slo; GPUs have 80 GB.",
    ]
    for gpus, models in cases(seed):
        lines.append("%d\t%s" % (gpus, " ".join("%d:%d:%d" % m
                                                 for m in models)))
    return "\n".join(lines) + "\n"


def files():
    for seed in TRAIN_SEEDS:
        yield (os.path.join(DATA, "train", "seed-%02d.cases" % seed),
               text(seed, "the leaderboard's cases"))
    for seed in TEST_SEEDS:
        yield (os.path.join(DATA, "test", "seed-%02d.cases" % seed),
               text(seed, "held out"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the files on disk, write nothing")
    args = parser.parse_args()
    stale = []
    for path, content in files():
        if args.check:
            try:
                with open(path, encoding="utf-8") as f:
                    same = f.read() == content
            except OSError:
                same = False
            if not same:
                stale.append(os.path.relpath(path, os.path.dirname(DATA)))
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(content)
    if stale:
        print("differs from the recipe: " + ", ".join(stale))
        return 1
    if args.check:
        print("all %d cases files match the recipe"
              % (len(TRAIN_SEEDS) + len(TEST_SEEDS)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
