"""Faults of a run on SLURM workers, against the real cluster, for the tests.

    cluster.py scancel-one --adrsc ADRSC --spec SPEC --dir DIR [--iterations N]
    cluster.py kill-resume --adrsc ADRSC --spec SPEC --dir DIR [--iterations N]
    cluster.py steps NAME

scancel-one   starts `adrsc run SPEC -o DIR --executor slurm --workers 2`,
              waits until it has recorded a few candidates, cancels one of
              its two workers with scancel, and lets the run finish. Checks:
              exit 0; every candidate 1..N recorded once, none pending; a
              'worker' event says what happened; and, once the run is over,
              nothing of the run left in squeue.
kill-resume   starts the same run, kills adrsc with SIGKILL once candidates
              are recorded, submits a job under the run's job name that
              outlives it (`sbatch --wrap "sleep 600"`), then
              resumes the run to its end and checks: exit 0; every candidate
              1..N once, none pending; no step or job of the run in squeue
              (the left-behind job cancelled by the resume).
until-lost    starts the same run and cancels one worker's step again each
              time it comes back, until its restarts are spent (the first
              step and three restarts). Checks: exit 0; every candidate
              1..N once, none pending; the events say that worker is lost
              and that one of two workers goes on.
steps NAME    prints the ids of this user's jobs and steps named NAME.

The job name is read from the run's log line "job name adrsc-TAG". Prints
one summary line, or the first violation with "FAIL:" and exits 1.
"""
import argparse
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def steps(name):
    """Ids of this user's jobs and steps named NAME."""
    ids = []
    for extra in (["--steps"], []):
        out = subprocess.run(["squeue", "--me", "--noheader", "--format=%i %j"]
                             + extra, capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            parts = line.split(None, 1)
            if len(parts) == 2 and parts[1].strip() == name:
                ids.append(parts[0])
    return ids


def count(db_path, sql):
    if not os.path.exists(db_path):
        return 0
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True, timeout=10)
    try:
        return db.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


def start(args, extra=()):
    cmd = [args.adrsc, "run", args.spec, "-o", args.dir, "--executor", "slurm",
           "--workers", "2", "--iterations", str(args.iterations),
           "--no-minimize", "--progress-every", "1000"] + list(extra)
    log = open(os.path.join(os.path.dirname(args.dir) or ".",
                            os.path.basename(args.dir) + ".log"), "ab")
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log), log


def job_name(args, proc):
    path = os.path.join(os.path.dirname(args.dir) or ".",
                        os.path.basename(args.dir) + ".log")
    deadline = time.time() + 120
    while time.time() < deadline:
        with open(path) as f:
            m = re.search(r"job name (adrsc-[0-9a-f]+)", f.read())
        if m:
            return m.group(1)
        if proc.poll() is not None:
            fail("the run ended before it named its workers (exit %s)"
                 % proc.returncode)
        time.sleep(0.05)
    fail("the run never named its workers")


def wait_for_candidates(args, proc, n):
    db = os.path.join(args.dir, "run.db")
    deadline = time.time() + 120
    while time.time() < deadline:
        if count(db, "SELECT count(*) FROM candidates") >= n:
            return
        if proc.poll() is not None:
            fail("the run ended early (exit %s)" % proc.returncode)
        time.sleep(0.05)
    fail("no candidates were recorded")


def check_complete(args):
    db = os.path.join(args.dir, "run.db")
    ids = count(db, "SELECT count(DISTINCT id) FROM candidates WHERE id > 0")
    rows = count(db, "SELECT count(*) FROM candidates WHERE id > 0")
    top = count(db, "SELECT max(id) FROM candidates")
    pending = count(db, "SELECT count(*) FROM pending")
    if ids != args.iterations or rows != ids or top != args.iterations:
        fail("%d candidates recorded (%d distinct, last #%s), not 1..%d"
             % (rows, ids, top, args.iterations))
    if pending:
        fail("%d candidates still pending" % pending)


def wait_gone(name):
    # scancel is asynchronous; the run's own cleanup is done when it exits,
    # but squeue may list a completing step for a moment. A step listed
    # for longer is one the run left a process in: a zygote whose worker
    # was cancelled as it started once kept its step completing for a
    # minute, holding the step's output open (exec::forkSandboxHost now
    # makes it die with the worker).
    deadline = time.time() + 30
    while time.time() < deadline:
        left = steps(name)
        if not left:
            return
        time.sleep(0.2)
    fail("left in squeue after the run: " + " ".join(left))


def cmd_scancel_one(args):
    proc, log = start(args)
    name = job_name(args, proc)
    wait_for_candidates(args, proc, 4)
    ids = [i for i in steps(name) if "." not in i] or steps(name)
    if len(ids) < 2:
        fail("expected two workers named %s, found %s" % (name, ids))
    subprocess.run(["scancel", ids[0]], check=True)
    code = proc.wait(timeout=300)
    log.close()
    if code != 0:
        fail("the run exited %d after a worker was cancelled" % code)
    check_complete(args)
    events = count(os.path.join(args.dir, "run.db"),
                   "SELECT count(*) FROM events WHERE kind = 'worker'")
    if events < 1:
        fail("no 'worker' event records the cancelled worker")
    wait_gone(name)
    print("OK scancel-one: %d candidates, none lost; %d worker event(s); "
          "nothing left in squeue" % (args.iterations, events))


def cmd_kill_resume(args):
    proc, log = start(args)
    name = job_name(args, proc)
    wait_for_candidates(args, proc, 4)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    log.close()
    before = count(os.path.join(args.dir, "run.db"),
                   "SELECT count(*) FROM candidates")
    # srun ends its step when adrsc dies; a job that outlives it under the
    # run's name (a batch job here) must be cancelled by the resume.
    out = subprocess.run(["sbatch", "--parsable", "--job-name=" + name,
                          "--output=/dev/null", "--wrap", "sleep 600"],
                         capture_output=True, text=True, check=True)
    orphan = out.stdout.strip().split(";")[0]
    if orphan not in steps(name):
        fail("the stand-in for a left-behind job %s is not in squeue" % orphan)
    proc, log = start(args)
    code = proc.wait(timeout=300)
    log.close()
    if code != 0:
        fail("the resumed run exited %d" % code)
    check_complete(args)
    wait_gone(name)
    print("OK kill-resume: killed after %d candidates, resumed to %d, none "
          "lost; the left-behind job cancelled; nothing left in squeue"
          % (before - 1, args.iterations))


def jobs_running(name):
    out = subprocess.run(["squeue", "--me", "--noheader", "--format=%i %j %t"],
                         capture_output=True, text=True, check=True).stdout
    ids = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == name and parts[2] == "R":
            ids.append(int(parts[0]))
    return ids


def cmd_until_lost(args):
    proc, log = start(args)
    name = job_name(args, proc)
    wait_for_candidates(args, proc, 4)
    last = 0
    for round in range(4):
        # The newest step is the one cancelled last, started again.
        deadline = time.time() + 120
        while True:
            newer = [i for i in jobs_running(name) if i > last]
            if len(newer) >= (2 if round == 0 else 1):
                break
            if proc.poll() is not None:
                fail("the run ended after %d cancels (exit %s)"
                     % (round, proc.returncode))
            if time.time() > deadline:
                fail("no step came back after %d cancels" % round)
            time.sleep(0.05)
        last = max(newer)
        subprocess.run(["scancel", str(last)], check=True)
    code = proc.wait(timeout=300)
    log.close()
    if code != 0:
        fail("the run exited %d after a worker was lost" % code)
    check_complete(args)
    db = os.path.join(args.dir, "run.db")
    lost = count(db, "SELECT count(*) FROM events WHERE kind = 'worker' AND "
                     "detail LIKE '%is lost; 1 of 2 workers go on%'")
    if lost != 1:
        fail("%d events say a worker is lost, not 1" % lost)
    wait_gone(name)
    print("OK until-lost: a worker lost after 3 restarts, %d candidates, "
          "none lost; nothing left in squeue" % args.iterations)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("scancel-one", "kill-resume", "until-lost"):
        s = sub.add_parser(name)
        s.add_argument("--adrsc", required=True)
        s.add_argument("--spec", required=True)
        s.add_argument("--dir", required=True)
        s.add_argument("--iterations", type=int, default=40)
    s = sub.add_parser("steps")
    s.add_argument("name")
    args = p.parse_args()
    if args.cmd == "scancel-one":
        cmd_scancel_one(args)
    elif args.cmd == "kill-resume":
        cmd_kill_resume(args)
    elif args.cmd == "until-lost":
        cmd_until_lost(args)
    else:
        print("\n".join(steps(args.name)))


if __name__ == "__main__":
    main()
