#!/usr/bin/env python3
"""Prints the digests of the published initial-program placements.

    python3 tools/placement_digests.py [--all]

data/eplb_synthetic_initial_placements.json holds, for every window of the
synthetic fixture, the placement the reference initial program (vLLM's
rebalance_experts, run with torch) computed from that window's loads. This
prints, for each window the evaluator rebalances (every one but the last;
--all adds the last), the digest that eval/evaluate.cpp prints in its
`placements` artifact for the placement it got: FNV-1a (64 bits) over
phy2log, then logcnt, layer by layer, each entry as 4 little-endian bytes.
Equal digests mean equal placements. Python 3 standard library only.
"""
import argparse
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "data")


def digest(phy2log, logcnt):
    h = 14695981039346656037
    for row in phy2log + logcnt:
        for v in row:
            for byte in struct.pack("<i", v):
                h = ((h ^ byte) * 1099511628211) & ((1 << 64) - 1)
    return h


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--all", action="store_true",
                    help="also the last window, which the evaluator does not rebalance")
    args = ap.parse_args()
    with open(os.path.join(DATA, "eplb_synthetic_initial_placements.json"),
              encoding="utf-8") as f:
        placements = json.load(f)["placements"]
    last = len(placements) if args.all else len(placements) - 1
    for p in placements[:last]:
        print("data/train/fixture.load window %d: %016x"
              % (p["window"], digest(p["phy2log"], p["logcnt"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
