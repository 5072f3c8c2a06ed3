"""Runs a command and kills it (SIGKILL) once its evaluations are under way.

    kill-while-evaluating.py [--after N] -- COMMAND ...

Waits until N distinct grandchildren of the command (the sandboxed
children a zygote forks, one per evaluation) have been seen, then kills the
command and everything in its process group, and prints "exit code E" (a
negative E is the signal). Prints "finished before the kill" instead when
the command ended first. Fails (exit 1) when nothing happens for 120 s.
"""
import argparse
import os
import signal
import subprocess
import sys
import time


def children(pid):
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(entry))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--after", type=int, default=2)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    sys.stdout.flush()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    seen = set()
    deadline = time.time() + 120
    while len(seen) < args.after:
        if proc.poll() is not None:
            print("finished before the kill")
            return 0
        if time.time() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            print("nothing happened for 120 s", file=sys.stderr)
            return 1
        for zygote in children(proc.pid):
            seen.update(children(zygote))
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)
    print("exit code %d" % proc.wait())
    return 0


if __name__ == "__main__":
    sys.exit(main())
