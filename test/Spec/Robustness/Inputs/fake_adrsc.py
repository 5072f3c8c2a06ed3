#!/usr/bin/env python3
"""A stand-in for adrsc that breaks its contract on purpose, for
mutate-selftest.test: `fake_adrsc.py MODE check [OPTIONS] PATH`.

  exit3     exits 3
  signal    dies of SIGSEGV
  hang      sleeps far longer than any timeout
  silent    exits 1 without a diagnostic (exit 0 for the unmutated spec)
  crashlog  exits 1 with a diagnostic and a crash report (likewise)
  good      exits 1 with a located error (likewise): keeps the contract
"""
import os
import signal
import sys
import time

mode, command, path = sys.argv[1], sys.argv[2], sys.argv[-1]
original = os.path.basename(path) == "mutant-00000.adrs"
if mode == "exit3":
    sys.exit(3)
if mode == "signal":
    os.kill(os.getpid(), signal.SIGSEGV)
if mode == "hang":
    time.sleep(60)
if original:
    sys.exit(0)
if mode == "silent":
    sys.exit(1)
sys.stderr.write("%s:1:1: error: something is wrong\n" % path)
if mode == "crashlog":
    sys.stderr.write("%s:1:1: error: internal parser error: boom\n"
                     "PLEASE submit a bug report\nStack dump:\n" % path)
sys.exit(1)
