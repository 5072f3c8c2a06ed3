"""Starts an adrsc run, signals it once it has recorded some candidates, and
reports how it ended.

    signal-run.py --dir DIR [--after N] [--signal INT|TERM] [--again SECONDS]
                  [--best ADRSC] -- ADRSC run SPEC -o DIR ...

Runs the command with stdin closed and its stdout and stderr passed
through, waits until DIR/run.db holds at least N candidates (the baseline
included; default 3), then:

  --best ADRSC   runs `ADRSC best DIR --format=json` first, during the run,
                 and prints "best during the run: exit E, C candidates";
  sends the signal (default INT);
  --again S      sends it a second time S seconds later, while the
                 candidates in flight are still being evaluated.

Then waits for the run to end and prints "exit code N" (a negative N is
the signal that killed it). Fails (exit 1) when nothing happens for 120 s.
"""
import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse


def count(db_path):
    if not os.path.exists(db_path):
        return 0
    uri = "file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(db_path))
    try:
        db = sqlite3.connect(uri, uri=True, timeout=10)
        n = db.execute("SELECT count(*) FROM candidates").fetchone()[0]
        db.close()
        return n
    except sqlite3.OperationalError:
        return 0  # the tables do not exist yet


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--after", type=int, default=3)
    ap.add_argument("--signal", choices=["INT", "TERM"], default="INT")
    ap.add_argument("--again", type=float)
    ap.add_argument("--best")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    db_path = os.path.join(args.dir, "run.db")
    sig = signal.SIGINT if args.signal == "INT" else signal.SIGTERM

    sys.stdout.flush()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    deadline = time.time() + 120
    while count(db_path) < args.after:
        if proc.poll() is not None:
            print("FAIL: the run ended (exit %d) before %d candidates"
                  % (proc.returncode, args.after))
            sys.exit(1)
        if time.time() > deadline:
            proc.kill()
            print("FAIL: fewer than %d candidates after 120 s" % args.after)
            sys.exit(1)
        time.sleep(0.01)
    if args.best:
        best = subprocess.run([args.best, "best", args.dir, "--format=json"],
                              stdout=subprocess.PIPE)
        # "candidates" counts the iterations, not the baseline row.
        n = json.loads(best.stdout)["candidates"] + 1 if best.returncode == 0 else 0
        print("best during the run: exit %d, %s candidates"
              % (best.returncode, "some" if n >= args.after else n))
        sys.stdout.flush()
    proc.send_signal(sig)
    if args.again is not None:
        time.sleep(args.again)
        if proc.poll() is None:
            proc.send_signal(sig)
        else:
            print("FAIL: the run ended before the second signal")
            sys.exit(1)
    try:
        rc = proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        print("FAIL: the run did not stop within 120 s of the signal")
        sys.exit(1)
    sys.stdout.flush()
    print("exit code %d" % rc)


main()
