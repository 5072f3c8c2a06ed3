#!/usr/bin/env python3
"""Runs a command beside the scripted chat server, then stops the server.

Usage:
  with-llm-server.py SCRIPT.json LOG.jsonl -- COMMAND ARGS...

Starts fake-llm-server.py with SCRIPT on 127.0.0.1, replaces every
"%PORT%" in the command's arguments with its port, runs the command with
this process's standard streams, stops the server, and exits with the
command's exit status. The server's log of every request is LOG.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        sys.exit(__doc__)
    script, log, command = sys.argv[1], sys.argv[2], sys.argv[4:]
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as tmp:
        port_file = os.path.join(tmp, "port")
        server = subprocess.Popen(
            [sys.executable, os.path.join(here, "fake-llm-server.py"),
             "--script", script, "--port-file", port_file, "--log", log])
        try:
            deadline = time.time() + 30
            while not os.path.exists(port_file):
                if server.poll() is not None or time.time() > deadline:
                    sys.exit("with-llm-server: the server did not start")
                time.sleep(0.05)
            with open(port_file) as f:
                port = f.read().strip()
            command = [a.replace("%PORT%", port) for a in command]
            sys.stdout.flush()
            status = subprocess.call(command)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    sys.exit(status)


if __name__ == "__main__":
    main()
