#!/usr/bin/env python3
"""Starts `adrsc serve RUNDIR --port 0`, GETs each PATH, stops it.

Usage:
  serve-get.py ADRSC RUNDIR PATH [PATH...]

Prints, for each PATH, "PATH STATUS CONTENT-TYPE" and the body's <h1> and
<p> texts (or the body itself when it is not HTML, up to 300 characters),
then sends SIGINT and prints "exit CODE".
"""

import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    adrsc, rundir, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    serve = subprocess.Popen([adrsc, "serve", rundir, "--port", "0"],
                             stdout=subprocess.PIPE, text=True)
    m = re.search(r"at (http://127\.0\.0\.1:\d+)/ ", serve.stdout.readline())
    if not m:
        serve.kill()
        sys.exit("serve printed no URL")
    for path in paths:
        try:
            with urllib.request.urlopen(m.group(1) + path, timeout=30) as r:
                status, ctype, body = r.status, r.headers["Content-Type"], r.read().decode()
        except urllib.error.HTTPError as e:
            status, ctype, body = e.code, e.headers["Content-Type"], e.read().decode()
        print(path, status, ctype)
        if "html" in ctype:
            for tag in re.findall(r"<(?:h1|p)>([^<]*)<", body):
                print("  " + tag)
        else:
            print("  " + body.strip()[:300])
    serve.send_signal(signal.SIGINT)
    print("exit %d" % serve.wait(timeout=30))


if __name__ == "__main__":
    main()
