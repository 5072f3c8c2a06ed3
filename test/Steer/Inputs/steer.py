#!/usr/bin/env python3
"""Runs `adrsc run` beside the scripted model server and steers it while it
runs.

    steer.py --adrsc ADRSC --spec SPEC --dir DIR --script SCRIPT --log LOG
             [--at N -- COMMAND ARGS... ;] ... [-- RUN OPTIONS...]

Each `--at N COMMAND... ;` runs COMMAND once the run has N finished
candidates besides the baseline (the commands in the order given); "%DIR%"
in it stands for the run directory and "%PID%" for the run's process id
(`kill -9 %PID%` ends it as a crash would). For each it prints

    at N: requests so far R, exit S
    <the command's stdout>

where R counts the requests the server had received when the command
ended: every prompt after the R-th was built after the command. Then it
waits for the run, prints "run: exit S" and stops the server. The run is
`adrsc run SPEC -o DIR -j1 --quiet --llm-endpoint URL` plus RUN OPTIONS,
its output in DIR.out.
"""
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
server_py = os.path.join(here, "..", "..", "Inputs", "fake-llm-server.py")


def parse(argv):
    opts, steps, extra = {}, [], []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--adrsc", "--spec", "--dir", "--script", "--log"):
            opts[a[2:]] = argv[i + 1]
            i += 2
        elif a == "--at":
            n = int(argv[i + 1])
            j = argv.index(";", i + 2)
            steps.append((n, argv[i + 2:j]))
            i = j + 1
        elif a == "--":
            extra = argv[i + 1:]
            break
        else:
            sys.exit("steer.py: unknown argument %r" % a)
    return opts, steps, extra


def finished(db_path):
    if not os.path.exists(db_path):
        return 0
    try:
        db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True, timeout=10)
        n = db.execute("SELECT count(*) FROM candidates WHERE id > 0").fetchone()[0]
        db.close()
        return n
    except sqlite3.OperationalError:
        return 0


def requests(log):
    if not os.path.exists(log):
        return 0
    with open(log) as f:
        return sum(1 for line in f if '"/v1/chat/completions"' in line)


def main():
    opts, steps, extra = parse(sys.argv[1:])
    db_path = os.path.join(opts["dir"], "run.db")
    with tempfile.TemporaryDirectory() as tmp:
        port_file = os.path.join(tmp, "port")
        server = subprocess.Popen(
            [sys.executable, server_py, "--script", opts["script"],
             "--port-file", port_file, "--log", opts["log"]])
        try:
            deadline = time.time() + 30
            while not os.path.exists(port_file):
                if server.poll() is not None or time.time() > deadline:
                    sys.exit("steer.py: the server did not start")
                time.sleep(0.05)
            with open(port_file) as f:
                port = f.read().strip()
            os.makedirs(os.path.dirname(os.path.abspath(opts["dir"])),
                        exist_ok=True)
            output = open(opts["dir"] + ".out", "ab")
            run = subprocess.Popen(
                [opts["adrsc"], "run", opts["spec"], "-o", opts["dir"], "-j1",
                 "--quiet", "--llm-endpoint",
                 "http://127.0.0.1:%s/v1" % port] + extra,
                stdin=subprocess.DEVNULL, stdout=output, stderr=output)
            for n, command in steps:
                deadline = time.time() + 120
                while finished(db_path) < n and run.poll() is None:
                    if time.time() > deadline:
                        run.kill()
                        sys.exit("steer.py: the run did not reach %d" % n)
                    time.sleep(0.02)
                if run.poll() is not None:
                    sys.exit("steer.py: the run ended before %d candidates" % n)
                out = subprocess.run(
                    [a.replace("%DIR%", opts["dir"])
                     .replace("%PID%", str(run.pid)) for a in command],
                    stdout=subprocess.PIPE, universal_newlines=True)
                print("at %d: requests so far %d, exit %d"
                      % (n, requests(opts["log"]), out.returncode))
                sys.stdout.write(out.stdout)
                sys.stdout.flush()
            print("run: exit %d" % run.wait())
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


main()
