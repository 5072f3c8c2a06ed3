#!/usr/bin/env python3
"""Runs `adrsc serve` beside a running search and checks what it serves.

Usage:
  serve-during-run.py ADRSC SPEC RUNDIR [--render SCREENSHOT.png]

Starts `ADRSC run SPEC -o RUNDIR -j1 --iterations 400 --quiet`, then
`ADRSC serve RUNDIR --port 0 --refresh 60`, reads the URL it prints, and
checks, printing one line each for FileCheck:

  url        the URL is on 127.0.0.1 with the port the server chose
  json       /report.json answers 200 with a report once the baseline is in
  live       a later /report.json has more candidates, while the run goes on
  page       / answers 200 with the HTML page
  render     (--render) the page, fetched from the server, draws in Chromium
  missing    /nope answers 404
  stopped    after SIGINT to the run, the report has every candidate of the
             database (read beside the writer)
  exit       SIGINT ends serve with exit 0

Exits 1 at the first failed check, with the reason on stdout.
"""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def fail(why, *procs):
    print("FAIL " + why)
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    sys.exit(1)


def main():
    if len(sys.argv) not in (4, 6):
        sys.exit(__doc__)
    adrsc, spec, rundir = sys.argv[1:4]
    shot = sys.argv[5] if len(sys.argv) == 6 and sys.argv[4] == "--render" else None
    run = subprocess.Popen([adrsc, "run", spec, "-o", rundir, "-j1",
                            "--iterations", "400", "--quiet"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while not os.path.exists(os.path.join(rundir, "run.db")):
        if run.poll() is not None or time.time() > deadline:
            fail("the run made no database", run)
        time.sleep(0.05)
    serve = subprocess.Popen([adrsc, "serve", rundir, "--port", "0",
                              "--refresh", "60"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    line = serve.stdout.readline()
    m = re.search(r"at (http://127\.0\.0\.1:(\d+)/) ", line)
    if not m or int(m.group(2)) == 0:
        fail("serve printed %r" % line, run, serve)
    url = m.group(1)
    print("url ok: 127.0.0.1 and a port of its choice")

    first = None
    while time.time() < deadline:
        status, body = get(url + "report.json")
        if status == 200:
            first = json.loads(body)
            if first["candidates"] >= 1:
                break
        elif status != 503 or "error" not in json.loads(body):
            fail("/report.json answered %d: %s" % (status, body[:200]), run, serve)
        time.sleep(0.1)
    if not first:
        fail("no report within a minute", run, serve)
    print("json ok: %s" % sorted(first)[:3])

    later = first
    while time.time() < deadline and later["candidates"] <= first["candidates"]:
        if run.poll() is not None:
            fail("the run ended before a second look", serve)
        time.sleep(0.3)
        later = json.loads(get(url + "report.json")[1])
    if later["candidates"] <= first["candidates"]:
        fail("the candidates did not grow: %d" % first["candidates"], run, serve)
    print("live ok: more candidates in a later report")

    status, page = get(url)
    if status != 200 or "<script type=\"application/json\" id=\"report-data\">" not in page:
        fail("/ answered %d" % status, run, serve)
    print("page ok")
    if shot:
        r = subprocess.run([sys.executable, os.path.join(HERE, "render-report.py"),
                            url, shot], stdout=subprocess.PIPE, text=True)
        if r.returncode != 0:
            fail("render: " + r.stdout.strip(), run, serve)
        print("render " + r.stdout.strip())
    if run.poll() is None:
        pass
    else:
        fail("the run ended while being served", serve)
    status, body = get(url + "nope")
    if status != 404:
        fail("/nope answered %d" % status, run, serve)
    print("missing ok: 404")

    run.send_signal(signal.SIGINT)
    run.wait(timeout=60)
    final = json.loads(get(url + "report.json")[1])
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(rundir, "run.db"), uri=True)
    count = db.execute("SELECT count(*) FROM candidates").fetchone()[0]
    if final["candidates"] != count - 1:
        fail("the report has %d candidates, the database %d besides the "
             "baseline" % (final["candidates"], count - 1), serve)
    print("stopped ok: the report has every candidate of the database")

    serve.send_signal(signal.SIGINT)
    try:
        code = serve.wait(timeout=30)
    except subprocess.TimeoutExpired:
        fail("serve did not stop on SIGINT", serve)
    print("exit %d" % code)
    return 0


if __name__ == "__main__":
    sys.exit(main())
