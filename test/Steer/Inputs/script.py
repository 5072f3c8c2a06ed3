#!/usr/bin/env python3
"""Writes a script for fake-llm-server.py that plays a model of the fit
problem: reply K (K = 1, 2, ...) rewrites the region as y = 2x + K, a new
and better program each time (the points follow y = 2x + 40).

    script.py OUT.json [--delay SECONDS] [--replies N] [--first K]
                       [--insight TEXT ...] [--insight-fails]
                       [--variant TEXT ...] [--variant-fails]
                       [--variant-delay SECONDS]

Each --insight TEXT answers one scratchpad request (matched by the words
"You keep the scratchpad" of its system message), in order; with
--insight-fails every scratchpad request gets HTTP 500. Likewise each
--variant TEXT answers one request for a new system prompt (the words "You
improve the system prompt"); TEXT "HUGE" is a 20000-byte reply, and
--variant-delay holds each of those replies back.
"""
import argparse
import json

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--delay", type=float, default=0.0)
ap.add_argument("--replies", type=int, default=60)
ap.add_argument("--first", type=int, default=1)
ap.add_argument("--insight", action="append", default=[])
ap.add_argument("--insight-fails", action="store_true")
ap.add_argument("--variant", action="append", default=[])
ap.add_argument("--variant-fails", action="store_true")
ap.add_argument("--variant-delay", type=float, default=0.0)
args = ap.parse_args()

steps = []
for k in range(args.first, args.first + args.replies):
    step = {"reply": "Move the line up.\n\n```cpp predict\n"
                     "  y = 2.0 * x + %d.0;\n```\n" % k}
    if args.delay:
        step["delay"] = args.delay
    steps.append(step)
match = [{"contains": "You keep the scratchpad", "times": 1, "reply": text}
         for text in args.insight]
if args.insight_fails:
    match.append({"contains": "You keep the scratchpad", "status": 500,
                  "error": "the scratchpad model is down"})
for text in args.variant:
    action = {"huge": 20000} if text == "HUGE" else {"reply": text}
    if args.variant_delay:
        action["delay"] = args.variant_delay
    match.append(dict(action, contains="You improve the system prompt",
                      times=1))
if args.variant_fails:
    match.append({"contains": "You improve the system prompt", "status": 500,
                  "error": "the prompt model is down"})
with open(args.out, "w") as f:
    json.dump({"steps": steps, "match": match}, f, indent=1)
