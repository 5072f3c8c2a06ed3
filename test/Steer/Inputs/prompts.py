#!/usr/bin/env python3
"""Says which of the scripted server's requests held a text.

    prompts.py LOG TEXT [--after R] [--system WORDS]
    prompts.py LOG --insights TEXT1,TEXT2,...

Looks at the proposal requests (those whose system message lacks WORDS,
default "You keep the scratchpad"), in the order they arrived. With
--after R (the number of requests when the text was given): "before: B of
R hold it" (B must be 0), then "after: A of N hold it, none without it
after the first that does: yes|no". Without --after: the requests as a
string of '+' (holds it) and '-' (does not).

With --insights, every request in order: "I" for a scratchpad request, and
for a proposal the number of the last of TEXT1, TEXT2, ... its prompt
holds (0: none).
"""
import argparse
import json

ap = argparse.ArgumentParser()
ap.add_argument("log")
ap.add_argument("text", nargs="?")
ap.add_argument("--insights")
ap.add_argument("--after", type=int)
ap.add_argument("--system", default="You keep the scratchpad")
args = ap.parse_args()

seen = []  # per request: (is a proposal, holds the text)
with open(args.log) as f:
    for line in f:
        r = json.loads(line)
        body = r.get("body")
        if not r.get("path", "").endswith("/chat/completions") or \
                not isinstance(body, dict):
            continue
        messages = body.get("messages", [])
        system = messages[0].get("content", "") if messages else ""
        text = "\n".join(m.get("content", "") for m in messages)
        if args.insights:
            texts = args.insights.split(",")
            held = [k + 1 for k, t in enumerate(texts) if t in text]
            seen.append("I" if args.system in system
                        else str(held[-1] if held else 0))
            continue
        seen.append((args.system not in system, args.text in text))

if args.insights:
    print("".join(seen))
    raise SystemExit(0)

if args.after is None:
    print("".join("+" if holds else "-" for proposal, holds in seen
                  if proposal))
else:
    before = [h for p, h in seen[:args.after] if p]
    after = [h for p, h in seen[args.after:] if p]
    first = after.index(True) if True in after else len(after)
    print("before: %d of %d hold it" % (sum(before), len(before)))
    print("after: %d of %d hold it, none without it after the first that "
          "does: %s" % (sum(after), len(after),
                        "yes" if all(after[first:]) else "no"))
