"""Kills an adrsc run with SIGKILL at random moments and resumes it each time.

    kill-resume.py --adrsc ADRSC --spec SPEC --dir DIR [--kills 5]
                   [--iterations 150] [--jobs 2] [--seed 1]
                   [--max-delay 0.4] [--islands K --migrate-every M]
                   [--steer]

A longer soak by hand (a few minutes on two cores):

    python3 test/Evolve/Inputs/kill-resume.py --adrsc build/bin/adrsc \
        --spec /tmp/fit/greedy.adrs --dir /tmp/soak --kills 100 \
        --iterations 2000 --seed $RANDOM

(copy test/Evolve/Inputs/fit to /tmp/fit first, and remove /tmp/soak
between soaks.)

Each round starts `adrsc run SPEC -o DIR` and waits until the run has
recorded a candidate more than before (so that the kill hits a run in
progress, not its start-up), waits a random time (seeded by --seed) of at
most --max-delay seconds, or less if the run has used its share of the
remaining budget (so that every round finds a run to kill), and kills the
process with SIGKILL. After every
kill it checks the database: PRAGMA integrity_check is ok; no candidate
recorded before the kill was lost (the count never decreases, every id seen
before is still there with the same status and score); the best score
(search::better order) never decreases; the zygote and sandbox processes
died with the run. Then it resumes, and finally lets a last session finish
and checks: exit 0, no pending rows, exactly the ids 1..ITERATIONS besides
the one baseline, seq 1..N, one 'start' event, one 'resume' per session
after the first, one 'stop' at the end, and the 'sessions' meta.
With --islands and --migrate-every the migration events are checked as
well: exactly one per M candidates, none twice.

With --steer, every round gives the run a hint and pins its newest scored
candidate (with `adrsc hint` and `adrsc pin`) before the random wait, so
that some are taken before the kill and some are still waiting; at the
end every one must have been taken exactly once (one event each, in the
order given) and every hint must be in force.

Prints one summary line (with the number of candidates that were in
flight at the kills, found pending and evaluated again by the next
session), or the first violation with "FAIL:" and exits 1.
"""
import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse

INF = float("inf")


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def snapshot(db_path):
    """The candidates, pending ids, events and meta of the database, or
    None when there is no database yet."""
    if not os.path.exists(db_path):
        return None
    uri = "file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(db_path))
    for attempt in range(50):
        try:
            db = sqlite3.connect(uri, uri=True, timeout=10)
            integrity = [r[0] for r in db.execute("PRAGMA integrity_check")]
            rows = db.execute("SELECT id, seq, status, feasible, score "
                              "FROM candidates").fetchall()
            pending = [r[0] for r in db.execute("SELECT id FROM pending")]
            events = db.execute(
                "SELECT kind, detail FROM events ORDER BY id").fetchall()
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
            db.close()
            return {"integrity": integrity,
                    "candidates": {r[0]: r[1:] for r in rows},
                    "pending": pending, "events": events, "meta": meta}
        except sqlite3.OperationalError as e:
            # The tables may not exist yet in the first moments of a run.
            last = e
            time.sleep(0.02)
    fail("cannot read %s: %s" % (db_path, last))


def count(db_path):
    """The number of candidates, 0 before the tables exist."""
    if not os.path.exists(db_path):
        return 0
    uri = "file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(db_path))
    try:
        db = sqlite3.connect(uri, uri=True, timeout=10)
        n = db.execute("SELECT count(*) FROM candidates").fetchone()[0]
        db.close()
        return n
    except sqlite3.OperationalError:
        return 0


def best_key(snap):
    best = None
    for cid, (seq, status, feasible, score) in snap["candidates"].items():
        if status in ("ok", "infeasible") and score is not None:
            k = (bool(feasible), score, -cid)
            if best is None or k > best:
                best = k
    return best


def leftovers(marker):
    """Processes whose command line mentions the run directory."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if marker.encode() in args:
            found.append(int(pid))
    return found


def check_after_kill(before, after, round_no):
    where = "after kill %d" % round_no
    if after is None:
        if before is None:
            return
        fail("%s: the database is gone" % where)
    if after["integrity"] != ["ok"]:
        fail("%s: integrity_check says %s" % (where, after["integrity"]))
    if before is None:
        return
    if len(after["candidates"]) < len(before["candidates"]):
        fail("%s: %d candidates, %d before" % (where, len(after["candidates"]),
                                               len(before["candidates"])))
    for cid, row in before["candidates"].items():
        now = after["candidates"].get(cid)
        if now is None:
            fail("%s: candidate #%d was lost" % (where, cid))
        if now != row:
            fail("%s: candidate #%d changed from %s to %s" % (where, cid, row,
                                                              now))
    b, a = best_key(before), best_key(after)
    if b is not None and (a is None or a[:2] < b[:2]):
        fail("%s: the best went from %s to %s" % (where, b, a))


def steer(args, db_path, marker, round_no, pinned):
    """Gives the live run a hint and pins its newest scored candidate."""
    hint = subprocess.run([args.adrsc, "hint", marker, "hint of round %d"
                           % round_no], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True)
    if hint.returncode != 0:
        fail("round %d: adrsc hint: %s" % (round_no, hint.stdout))
    uri = "file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(db_path))
    db = sqlite3.connect(uri, uri=True, timeout=10)
    rows = db.execute("SELECT id FROM candidates WHERE score IS NOT NULL AND "
                      "status IN ('ok', 'infeasible') ORDER BY id DESC"
                      ).fetchall()
    db.close()
    for (cid,) in rows:
        if cid not in pinned:
            pin = subprocess.run([args.adrsc, "pin", marker, str(cid)],
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT,
                                 universal_newlines=True)
            if pin.returncode != 0:
                fail("round %d: adrsc pin %d: %s" % (round_no, cid,
                                                     pin.stdout))
            pinned.append(cid)
            return


def check_steering(args, db_path, marker, pinned):
    """Every hint and pin was taken once, in order, and is in force."""
    db = sqlite3.connect(db_path)
    rows = db.execute("SELECT id, kind, subject, applied_after FROM steering "
                      "ORDER BY id").fetchall()
    events = db.execute("SELECT kind, detail, subject FROM events WHERE kind "
                        "IN ('hint', 'pin') ORDER BY id").fetchall()
    db.close()
    waiting = [r[0] for r in rows if r[3] is None]
    if waiting:
        fail("steerings never taken: %s" % waiting)
    taken = [r[3] for r in rows]
    if taken != sorted(taken):
        fail("steerings taken out of order: %s" % taken)
    want = [(kind, "%d: " % sid if kind == "hint" else "#%d pinned" % subject)
            for sid, kind, subject, _ in rows]
    got = [(kind, detail) for kind, detail, _ in events]
    if len(got) != len(want) or any(
            k != wk or not d.startswith(wd)
            for (k, d), (wk, wd) in zip(got, want)):
        fail("steering events %s, expected one each for %s" % (got, want))
    listed = subprocess.run([args.adrsc, "hint", marker, "--list"],
                            stdout=subprocess.PIPE,
                            universal_newlines=True).stdout.splitlines()
    hints = sum(1 for _, kind, _, _ in rows if kind == "hint")
    if len(listed) != hints or any("not taken" in l for l in listed):
        fail("adrsc hint --list: %s" % listed)
    pins = subprocess.run([args.adrsc, "pin", marker, "--list"],
                          stdout=subprocess.PIPE,
                          universal_newlines=True).stdout
    if sorted(int(l.split(":")[0][1:]) for l in pins.splitlines()) != \
            sorted(pinned):
        fail("adrsc pin --list: %s, pinned %s" % (pins, pinned))
    return len(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--adrsc", required=True)
    ap.add_argument("--spec", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=150)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-delay", type=float, default=0.4)
    ap.add_argument("--islands", type=int)
    ap.add_argument("--migrate-every", type=int)
    ap.add_argument("--steer", action="store_true")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    db_path = os.path.join(args.dir, "run.db")
    marker = os.path.abspath(args.dir)
    cmd = [args.adrsc, "run", args.spec, "-o", marker, "-j%d" % args.jobs,
           "--iterations", str(args.iterations), "--quiet"]
    log = open(os.path.join(os.path.dirname(marker),
                            os.path.basename(marker) + ".log"), "ab")
    before = snapshot(db_path)
    kills = finished_early = in_flight = 0
    pinned = []
    for round_no in range(1, args.kills + 1):
        start_count = len(before["candidates"]) if before else 0
        proc = subprocess.Popen(cmd, stdout=log, stderr=log,
                                stdin=subprocess.DEVNULL)
        deadline = time.time() + 120
        while proc.poll() is None and count(db_path) <= start_count:
            if time.time() > deadline:
                proc.kill()
                fail("round %d: the run recorded nothing in 120 s" % round_no)
            time.sleep(0.01)
        if args.steer:
            steer(args, db_path, marker, round_no, pinned)
        # A random moment, but early enough to leave each of the later
        # rounds a share of the budget.
        share = max(1, (args.iterations + 1 - start_count) //
                    (args.kills - round_no + 2))
        until = time.time() + rng.uniform(0, args.max_delay)
        while time.time() < until and proc.poll() is None and \
                count(db_path) < start_count + share:
            time.sleep(0.005)
        if proc.poll() is not None:
            # The budget ran out before the kill: nothing left to kill.
            finished_early += 1
            break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
        # The zygotes and the sandboxes die with the run (PDEATHSIG).
        for _ in range(100):
            left = leftovers(marker)
            if not left:
                break
            time.sleep(0.02)
        if left:
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            fail("after kill %d: processes of the run survived it: %s"
                 % (round_no, left))
        after = snapshot(db_path)
        check_after_kill(before, after, round_no)
        if after:
            in_flight += len(after["pending"])
        before = after

    # The last session runs to the end of the budget.
    rc = subprocess.run(cmd, stdout=log, stderr=log,
                        stdin=subprocess.DEVNULL).returncode
    if rc != 0:
        fail("the last session exited with %d (see %s)" % (rc, log.name))
    final = snapshot(db_path)
    check_after_kill(before, final, kills + 1)
    if final["pending"]:
        fail("pending rows remain: %s" % final["pending"])
    ids = sorted(final["candidates"])
    if ids != list(range(0, args.iterations + 1)):
        missing = sorted(set(range(args.iterations + 1)) - set(ids))
        extra = sorted(set(ids) - set(range(args.iterations + 1)))
        fail("candidates are not exactly #0..#%d: missing %s, extra %s"
             % (args.iterations, missing, extra))
    seqs = sorted(row[0] for row in final["candidates"].values())
    if seqs != list(range(1, len(ids) + 1)):
        fail("seq is not 1..%d" % len(ids))
    sessions = kills + 1 + finished_early
    kinds = [k for k, d in final["events"] if k in ("start", "resume", "stop")]
    want = ["start"] + ["resume"] * kills + ["stop"]
    if finished_early:
        want += ["resume", "stop"]
    if kinds != want:
        fail("events %s, expected %s" % (kinds, want))
    if final["meta"].get("sessions") != str(sessions):
        fail("meta sessions = %s, expected %d" % (final["meta"].get("sessions"),
                                                  sessions))
    if args.islands and args.migrate_every:
        migrations = [d for k, d in final["events"] if k == "migration"]
        heads = [d.split(":")[0] for d in migrations]
        want = ["after %d candidates" % (args.migrate_every * (i + 1))
                for i in range(args.iterations // args.migrate_every)]
        if heads != want:
            fail("migrations %s, expected %s" % (heads, want))
    steered = ""
    if args.steer:
        steered = ", %d steerings taken once each" % check_steering(
            args, db_path, marker, pinned)
    print("OK %d kills, %d sessions, %d candidates, %d in flight at the "
          "kills, best %s%s%s"
          % (kills, sessions, len(ids) - 1, in_flight,
             "feasible" if best_key(final)[0] else "infeasible",
             ", budget spent before a kill" if finished_early else "",
             steered))


main()
