#!/usr/bin/env python3
"""The leaderboard's prefix hit rate of tables as they are, in pure Python.

    python3 tools/hit_rate.py MERGES.tsv TABLE.csv [TABLE.csv...]

An independent check of the evaluator's numbers: for each table it applies
the merges of MERGES.tsv the way the leaderboard's evaluator does (each
group becomes one column, its fields joined in the listed order with a
missing value written "nan", appended after the other columns), writes
every other missing value as "", and counts the prefix hits of the rows in
file order with the character trie of the leaderboard's utils.py
(evaluate_df_prefix_hit_cnt), copied here without pandas. It prints, per
table, `NAME: hits H of C characters, rate R`; the evaluator reports the
same H, C and R as the table's `hits`, `characters` and `anchor`.

CSV files are read with the csv module; an empty field is a missing value,
as pandas.read_csv reads the generated tables. Python 3 standard library
only.
"""
import csv
import os
import sys


class TrieNode:
    def __init__(self):
        self.children = {}
        self.end_of_word = False


class Trie:
    def __init__(self):
        self.root = TrieNode()

    def insert(self, word):
        node = self.root
        for char in word:
            if char not in node.children:
                node.children[char] = TrieNode()
            node = node.children[char]
        node.end_of_word = True

    def longest_common_prefix(self, word):
        node = self.root
        common_prefix_length = 0
        for char in word:
            if char in node.children:
                common_prefix_length += len(char)
                node = node.children[char]
            else:
                break
        return common_prefix_length


def read_merges(path):
    merges = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            table, groups = line.split("\t", 1)
            merges[table] = [g.split(",") for g in groups.split(";") if g]
    return merges


def hit_rate(path, merges):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], [r for r in rows[1:] if r]
    merged = {c for g in merges for c in g}
    kept = [i for i, c in enumerate(header) if c not in merged]
    groups = [[header.index(c) for c in g] for g in merges]
    hits = total = 0
    trie = Trie()
    for r in rows:
        cells = [r[i] for i in kept]
        cells += ["".join(r[i] if r[i] != "" else "nan" for i in g) for g in groups]
        s = "".join(cells)
        total += len(s)
        hits += min(len(s), trie.longest_common_prefix(s))
        trie.insert(s)
    return hits, total


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: hit_rate.py MERGES.tsv TABLE.csv [TABLE.csv...]")
    merges = read_merges(sys.argv[1])
    for path in sys.argv[2:]:
        name = os.path.basename(path)
        hits, total = hit_rate(path, merges[name])
        print("%s: hits %d of %d characters, rate %r"
              % (name, hits, total, hits / total if total else 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
