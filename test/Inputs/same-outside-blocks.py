"""Checks that two versions of a source differ only inside EVOLVE blocks.

    same-outside-blocks.py ORIGINAL PATCHED

Each file is cut at its `// EVOLVE-BLOCK-START` / `// EVOLVE-BLOCK-END`
marker lines; the markers and every byte around the blocks must be equal,
byte for byte (line endings and trailing blanks included). Prints the number
of blocks and whether their contents changed; fails with the first
difference otherwise.
"""
import re
import sys

MARKER = re.compile(rb"^[ \t]*//[ \t]*EVOLVE-BLOCK-(START|END)\b.*$", re.M)


def cut(data):
    """Splits data into [outside, inside, outside, ..., outside]."""
    parts, pos, inside = [], 0, False
    for m in MARKER.finditer(data):
        line_end = data.find(b"\n", m.end())
        line_end = len(data) if line_end < 0 else line_end + 1
        if m.group(1) == b"START" and not inside:
            parts.append(data[pos:line_end])
            pos, inside = line_end, True
        elif m.group(1) == b"END" and inside:
            parts.append(data[pos:m.start()])
            pos, inside = m.start(), False
    if inside:
        sys.exit("unbalanced markers")
    parts.append(data[pos:])
    return parts


def main():
    a = cut(open(sys.argv[1], "rb").read())
    b = cut(open(sys.argv[2], "rb").read())
    if len(a) != len(b):
        sys.exit("the files have %d and %d blocks" % (len(a) // 2, len(b) // 2))
    for i in range(0, len(a), 2):
        if a[i] != b[i]:
            sys.exit("bytes outside the blocks differ (part %d):\n%r\n%r"
                     % (i // 2, a[i], b[i]))
    changed = [i // 2 for i in range(1, len(a), 2) if a[i] != b[i]]
    print("%d blocks, outside identical, changed blocks: %s"
          % (len(a) // 2, changed))


main()
