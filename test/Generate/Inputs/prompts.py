#!/usr/bin/env python3
"""Reads the scripted server's log and says what the prompts held."""

import json
import sys


def text(body):
    return "\n".join(m.get("content", "") for m in body.get("messages", []))


requests = []
with open(sys.argv[1]) as f:
    for line in f:
        r = json.loads(line)
        if r.get("path", "").endswith("/chat/completions") and isinstance(r.get("body"), dict):
            requests.append(text(r["body"]))

first = requests[0]
print("first: region %s, context %s, parent score %s, format %s" % (
    "yes" if "```cpp policy" in first and "const double margin" in first else "no",
    "yes" if "Declarations the regions use" in first and "PolicyState" in first else "no",
    "yes" if "score 27.79" in first else "no",
    "yes" if "SEARCH/REPLACE" in first else "no"))
no_edit = [r for r in requests if "That edit did not work" in r and "not sure" in r]
print("a fix after no edit: %s" % ("yes" if no_edit else "no"))
compiled = [r for r in requests if "That edit did not work" in r and
            "no member named 'Nonsense'" in r.split("That edit did not work")[-1]]
print("a fix after a compile error: %s" % ("yes (Nonsense)" if compiled else "no"))
