"""Checks `adrsc check --dump=json` output against lines in the spec.

    adrsc check --dump=json SPEC | check-json.py SPEC

Each line of SPEC of the form

    // JSON: a.b[0].c = VALUE

asserts that the field at that path of the dump equals VALUE, a JSON value.
In VALUE, @DIR@ stands for the spec's directory (as a JSON string fragment).
Numbers compare with a relative tolerance of 1e-12, so 0.8 matches the
0.80000000000000004 the dump prints. The dump must be one valid JSON document.
"""
import json
import math
import os
import re
import sys

LINE = re.compile(r"^\s*(?://|#)\s*JSON:\s*(\S+)\s*=\s*(.+?)\s*$")
STEP = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def lookup(doc, path):
    pos = 0
    while pos < len(path):
        m = STEP.match(path, pos)
        if not m:
            raise KeyError("bad path '%s' at %d" % (path, pos))
        doc = doc[m.group(1)] if m.group(1) is not None else doc[int(m.group(2))]
        pos = m.end()
    return doc


def same(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def main():
    spec = sys.argv[1]
    spec_dir = os.path.dirname(os.path.abspath(spec))
    doc = json.load(sys.stdin)
    checks = failures = 0
    with open(spec, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            m = LINE.match(line)
            if not m:
                continue
            checks += 1
            path = m.group(1)
            want = json.loads(m.group(2).replace("@DIR@", spec_dir))
            try:
                got = lookup(doc, path)
            except (KeyError, IndexError, TypeError) as e:
                print("%s:%d: %s: missing (%s)" % (spec, number, path, e))
                failures += 1
                continue
            if not same(got, want):
                print("%s:%d: %s: expected %s, found %s"
                      % (spec, number, path, json.dumps(want), json.dumps(got)))
                failures += 1
    if checks == 0:
        sys.exit("%s: no '// JSON:' lines" % spec)
    print("%d checks, %d failures" % (checks, failures))
    sys.exit(1 if failures else 0)


main()
