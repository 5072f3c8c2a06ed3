"""Runs a command and succeeds only if it exits with the expected code.

    expect-exit.py CODE COMMAND [ARG...]

stdout and stderr pass through, so the output can still go to FileCheck.
`not` only tells zero from non-zero; adrsc promises 1 for errors in the
input and 2 for a wrong command line, and a crash is neither.
"""
import subprocess
import sys

if len(sys.argv) < 3:
    sys.exit("usage: expect-exit.py CODE COMMAND [ARG...]")
want = int(sys.argv[1])
sys.stdout.flush()
got = subprocess.run(sys.argv[2:]).returncode
if got != want:
    print("expect-exit.py: '%s' exited with %d, expected %d"
          % (" ".join(sys.argv[2:]), got, want), file=sys.stderr)
    sys.exit(1)
