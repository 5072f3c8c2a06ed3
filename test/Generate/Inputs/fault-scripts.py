#!/usr/bin/env python3
"""Writes the scripted model's fault scripts for llm-faults.test into DIR.

Usage: fault-scripts.py DIR

replies.json  one candidate per fault, in order, against cbl-llm-faults.adrs
              (no fix rounds, one retry): a diff, a rewrite, prose with
              sketches beside the edit, an edit outside the region, an empty
              reply, a cut-off body (retried), a huge reply, a body that is
              not JSON, a 429 (retried after its Retry-After) then a 500.
hang.json     a server that never answers, then refuses the key (401).
missing.json  the model does not exist (404).
good.json     diffs only, to resume a run with.
"""

import json
import os
import sys


def diff(search, replace, why):
    return (why + "\n\n<<<<<<< SEARCH\n" + search + "\n=======\n" + replace +
            "\n>>>>>>> REPLACE\n")


REWRITE = ("```cpp policy\n"
           "  const double left = s.taskSeconds - s.doneSeconds;\n"
           "  if (left <= 1e-9)\n"
           "    return ClusterType::None;\n"
           "  return %s;\n"
           "```\n")

# Lines every program of these runs keeps, so that the diffs apply to any
# parent the search picks.
SAME_D = diff("  const double d = s.restartOverheadSeconds;",
              "  const double d = 1.0 * s.restartOverheadSeconds;",
              "The same, written differently.")

REPLIES = {
    "steps": [
        {"reply": diff("  const double margin = 1.0;",
                       "  const double margin = 1.1;", "A wider margin.")},
        {"reply": "The whole region, rewritten:\n\n" +
                  REWRITE % "s.hasSpot ? ClusterType::Spot : ClusterType::OnDemand"},
        {"reply": "First a sketch of the idea:\n\n```\nif late: on-demand, "
                  "else spot\n```\n\nThe old line was:\n\n```cpp\n  return "
                  "s.hasSpot ? ClusterType::Spot : ClusterType::None;\n```\n\n"
                  "The change:\n\n" + REWRITE % "ClusterType::OnDemand"},
        {"reply": diff("#include <cmath>", "#include <cstdlib>",
                       "A header outside the region.")},
        {"reply": ""},
        {"truncate": True, "reply": "cut off " * 300},
        {"reply": diff("  if (left <= 1e-9)", "  if (left <= 1e-6)",
                       "A looser end test.")},
        {"huge": 2000000},
        {"raw": "{not json"},
        {"reply": diff("  if (needWithTwoRestarts >= ticksLeft)",
                       "  if (needWithTwoRestarts > ticksLeft)",
                       "One tick later.")},
        {"status": 429, "retry_after": "1"},
        {"status": 500},
        {"status": 429, "retry_after": "1"},
    ],
    "default": {"reply": SAME_D},
}

HANG = {
    "steps": [{"hang": True}, {"hang": True}],
    "default": {"status": 401,
                "error": "Incorrect API key provided: sk-adrs-****cdef"},
}

MISSING = {
    "default": {"status": 404,
                "error": "The model `fake-model` does not exist"},
}

GOOD = {"default": {"reply": SAME_D}}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, script in (("replies", REPLIES), ("hang", HANG),
                         ("missing", MISSING), ("good", GOOD)):
        with open(os.path.join(sys.argv[1], name + ".json"), "w") as f:
            json.dump(script, f, indent=1)


if __name__ == "__main__":
    main()
