"""Kills a command with SIGKILL while a sandboxed child of it runs, and
reports whether anything it started outlives it.

    orphans.py COMMAND [ARG...]

Waits until some descendant two levels down (a zygote's child) has its
system-call filter installed and sleeps (its set-up is done, and it will
write nothing more, so a dead reader cannot end it with SIGPIPE), sends
SIGKILL to the command alone, and then watches every process that descended
from it. Prints
"no process left" if all are gone within ten seconds; otherwise lists them,
kills them (so that a broken sandbox leaves nothing behind), and fails.
"""
import os
import signal
import subprocess
import sys
import time


def children(pid):
    out = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


def descendants(pid):
    """(pid, depth) of every process below pid."""
    found, todo = [], [(pid, 0)]
    while todo:
        p, depth = todo.pop()
        for c in children(p):
            found.append((c, depth + 1))
            todo.append((c, depth + 1))
    return found


def identity(pid):
    """State and start time of a process, or None if it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return fields[0], fields[19]
    except (OSError, IndexError):
        return None


def filtered(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            return "Seccomp:\t2" in f.read()
    except OSError:
        return False


def sleeping(pid):
    """Whether the process sleeps in nanosleep (where the kernel says)."""
    try:
        with open("/proc/%d/wchan" % pid) as f:
            return "nanosleep" in f.read()
    except OSError:
        return False


if len(sys.argv) < 2:
    sys.exit("usage: orphans.py COMMAND [ARG...]")
command = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
started = time.time()
watched = []
asleep = {}  # how many looks in a row found each candidate in state S
while time.time() - started < 120 and command.poll() is None:
    below = descendants(command.pid)
    for p, depth in below:
        if depth < 2 or not filtered(p):
            continue
        ident = identity(p)
        asleep[p] = asleep.get(p, 0) + 1 if ident and ident[0] == "S" else 0
        # Without wchan, ten looks 10 ms apart stand in for it.
        if sleeping(p) or asleep[p] >= 10:
            watched = [(q, identity(q)) for q, _ in below]
    if watched:
        break
    time.sleep(0.01)
if not watched:
    command.kill()
    command.wait()
    sys.exit("orphans.py: no sandboxed child ever ran")
print("a sandboxed child is running")
command.send_signal(signal.SIGKILL)
command.wait()
print("the command was killed")

deadline = time.time() + 10
left = watched
while left and time.time() < deadline:
    time.sleep(0.02)
    left = []
    for pid, ident in watched:
        now = identity(pid)
        # The same process (start time), not a new one with its pid, and not
        # a zombie already dead.
        if now is not None and now[1] == ident[1] and now[0] not in "ZX":
            left.append((pid, ident))
if not left:
    print("no process left")
    sys.exit(0)
for pid, _ in left:
    print("left running: %d" % pid)
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
sys.exit(1)
