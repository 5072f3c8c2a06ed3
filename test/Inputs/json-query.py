"""Prints values picked out of a JSON document, for FileCheck.

    json-query.py FILE EXPR [EXPR...]

FILE is a JSON document ('-' for stdin); it must parse, or the script fails.
Each EXPR is a Python expression over `d`, the document, and prints as
`EXPR = VALUE` with VALUE in compact JSON with sorted keys, so that
`d[0]["name"]` prints `d[0]["name"] = "policy"`. Helpers: `by(list, key,
value)` is the one element of a list whose field `key` equals `value`
(failing when there is not exactly one), `names(list)` the list of each
element's "name".
"""
import json
import sys


def by(items, key, value):
    found = [x for x in items if x.get(key) == value]
    if len(found) != 1:
        raise KeyError("%d elements with %s == %r" % (len(found), key, value))
    return found[0]


def names(items):
    return [x["name"] for x in items]


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: json-query.py FILE EXPR [EXPR...]")
    src = sys.stdin if sys.argv[1] == "-" else open(sys.argv[1], encoding="utf-8")
    d = json.load(src)
    env = {"d": d, "by": by, "names": names, "len": len, "sorted": sorted,
           "set": set, "any": any, "all": all}
    for expr in sys.argv[2:]:
        value = eval(expr, env)
        print("%s = %s" % (expr, json.dumps(value, sort_keys=True,
                                            separators=(",", ":"))))


main()
