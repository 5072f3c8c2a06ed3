#!/usr/bin/env python3
"""Renders an adrsc report in headless Chromium and checks that it drew.

Usage:
  render-report.py PAGE SCREENSHOT.png [--min-points N] [--window W,H]

PAGE is an HTML file or an http:// URL. Chromium (--headless --no-sandbox
--disable-gpu) writes SCREENSHOT.png, then dumps the DOM after the page's
script ran. The page's script marks <body> with data-rendered="ok" and the
number of charts and points it drew once it is done, or "error" with the
message when a script error happened. Prints

  OK rendered: C charts, P points, S svg circles, L polylines

or the first problem, and exits 1 on a problem: a script error, no marker
(the script did not run to its end), fewer than N points (default 1), or a
screenshot that was not written.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("FAIL no chromium on PATH")


def run(args, profile):
    # A profile of its own: concurrent tests must not share one.
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu",
           "--no-first-run", "--disable-extensions",
           "--user-data-dir=" + profile] + args
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=120)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("page")
    p.add_argument("screenshot")
    p.add_argument("--min-points", type=int, default=1)
    # The screenshot's size: the top of the page by default; a taller one
    # shows the winner too (the README's picture).
    p.add_argument("--window", default="1200,1600")
    a = p.parse_args()
    page = a.page if "://" in a.page else "file://" + os.path.abspath(a.page)
    with tempfile.TemporaryDirectory() as profile:
        if os.path.exists(a.screenshot):
            os.remove(a.screenshot)
        run(["--window-size=" + a.window, "--screenshot=" + a.screenshot, page],
            profile)
        if not os.path.exists(a.screenshot) or os.path.getsize(a.screenshot) == 0:
            print("FAIL no screenshot written")
            return 1
        dom = run(["--virtual-time-budget=5000", "--dump-dom", page],
                  profile).stdout
    body = re.search(r"<body([^>]*)>", dom)
    if not body:
        print("FAIL no <body> in the dumped DOM")
        return 1
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(1)))
    state = attrs.get("data-rendered")
    if state != "ok":
        status = re.search(r'<div id="render-status">([^<]*)</div>', dom)
        print("FAIL data-rendered=%r: %s" % (state, status.group(1) if status
                                             else "no status"))
        return 1
    points = int(attrs.get("data-points", "0"))
    charts = int(attrs.get("data-charts", "0"))
    circles = len(re.findall(r"<circle ", dom))
    lines = len(re.findall(r"<polyline ", dom))
    if points < a.min_points or circles == 0:
        print("FAIL only %d points and %d circles" % (points, circles))
        return 1
    print("OK rendered: %d charts, %d points, %d svg circles, %d polylines"
          % (charts, points, circles, lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
