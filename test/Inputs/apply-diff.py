"""Applies a unified diff of one file, as adrsc prints it, to FILE in place.

    apply-diff.py DIFF FILE

Strict: every context and removed line must be where the hunk header says,
so a diff that does not describe FILE exactly fails. Only hunks for the
file whose name ends like FILE's are applied.
"""
import os
import re
import sys

HUNK = re.compile(r"^@@ -(\d+),(\d+) \+(\d+),(\d+) @@$")


def main():
    diff = open(sys.argv[1], encoding="utf-8").read().splitlines()
    path = sys.argv[2]
    old = open(path, encoding="utf-8").read().split("\n")
    new, pos, i, mine = [], 0, 0, False
    while i < len(diff):
        line = diff[i]
        if line.startswith("--- "):
            mine = line.endswith("/" + os.path.basename(path))
            i += 2
            continue
        m = HUNK.match(line)
        if not m:
            sys.exit("unexpected line %d: %r" % (i + 1, line))
        i += 1
        start, count = int(m.group(1)), int(m.group(2))
        body = []
        while i < len(diff) and diff[i][:1] in (" ", "-", "+"):
            if diff[i].startswith("--- ") and i + 1 < len(diff) and diff[i + 1].startswith("+++ "):
                break
            body.append(diff[i])
            i += 1
        if not mine:
            continue
        first = start - 1 if count else start
        new.extend(old[pos:first])
        pos = first
        for b in body:
            if b[0] in " -":
                if old[pos] != b[1:]:
                    sys.exit("mismatch at line %d: %r != %r" % (pos + 1, old[pos], b[1:]))
                pos += 1
            if b[0] in " +":
                new.append(b[1:])
    new.extend(old[pos:])
    open(path, "w", encoding="utf-8").write("\n".join(new))


main()
