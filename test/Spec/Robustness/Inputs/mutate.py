#!/usr/bin/env python3
"""Mutation robustness test for `adrsc check`.

Takes a valid spec, derives mutants from it deterministically (truncation,
deleted / duplicated / swapped lines, byte flips, insertions of NULs, 0xff and
broken UTF-8, spliced keywords and punctuation) plus a few hostile whole files,
and runs `adrsc check` on each. Whatever the bytes, adrsc must:

  * exit 0 or 1 -- never be killed by a signal, never exit with 2 or more;
  * finish within the timeout;
  * when it exits 1, print at least one `<path>:<line>:<col>: error: ` or
    `<path>: error: ` line;
  * never print "internal parser error", "Stack dump" or "PLEASE submit"
    (nor a sanitizer's report, for an adrsc built with sanitizers).

The unmutated spec itself must check cleanly (exit 0). Each failing input is
kept under --work and named in the report; the script exits 1 if any check
failed. Usage:

  mutate.py --work DIR [--count N] [--seed S] [--timeout SEC] SPEC -- ADRSC...

ADRSC is the command that runs adrsc (usually just its path); `check
--spec-only PATH` is appended: the spec's front end is what is under test. The spec's directory is copied into DIR so that the files the spec
names are found next to every mutant.
"""

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

# Signs of a crash or an internal error; the last two are what a build with
# sanitizers (-DADRS_ENABLE_FUZZING=ON) prints, whose adrsc this script can
# run too.
FORBIDDEN = ("internal parser error", "Stack dump", "PLEASE submit",
             "ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
             ": runtime error: ")

# Tokens of the language (dsl/Adrs.g4) and pieces of them, spliced into the
# spec to reach deeper than random bytes do.
TOKENS = [
    b"problem", b"describe", b"hints", b"sources", b"include", b"link", b"define",
    b"flags", b"std", b"compdb", b"evolve", b"block", b"function", b"in", b"evaluator",
    b"command", b"baseline", b"workloads", b"as", b"split", b"metrics",
    b"maximize", b"minimize", b"weight", b"score", b"require", b"verify",
    b"forbid", b"limits", b"stage", b"on", b"of", b"keep", b"if", b"repeats",
    b"generator", b"search", b"seed", b"budget", b"and", b"or", b"not",
    b"=", b",", b";", b"(", b")", b"{", b"}", b"==", b"!=", b"<", b"<=", b">",
    b">=", b"+", b"-", b"*", b"/", b"\n", b"\r\n", b"\r", b'"', b'"""',
    b"//", b"#", b"/*", b"*/", b"\\", b"c++17", b"$", b"1_000", b"1e309",
    b"-0", b"1.5e-400", b"99999999999999999999", b"2s", b"512MB", b"30%",
    b"$12.50", b"x", b"max(", b"train", b"test", b"all", b"llm", b"builtin",
    b"islands", b"model", b"api_key env", b"\t", b" ",
]

# Bytes that are not text: NUL, 0xff, stray continuation bytes, overlong and
# surrogate encodings, a truncated sequence, a byte order mark, controls.
BAD_BYTES = [
    b"\x00", b"\xff", b"\xfe", b"\x80", b"\xbf", b"\xc0\xaf", b"\xc3",
    b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80",
    b"\xef\xbb\xbf", b"\x1b[31m", b"\x7f", b"\x0c", b"\x0b", b"\xc2\xa0",
    b"\xe2\x80\xae", b"\xf0\x9f\x98\x80",
]


def lines_of(data):
    return data.splitlines(keepends=True)


def truncate(rng, data):
    return data[: rng.randrange(len(data) + 1)], "truncate"


def delete_lines(rng, data):
    lines = lines_of(data)
    start = rng.randrange(len(lines))
    del lines[start : start + rng.choice([1, 1, 1, 2, 3, 8])]
    return b"".join(lines), "delete-lines"


def duplicate_lines(rng, data):
    lines = lines_of(data)
    start = rng.randrange(len(lines))
    span = lines[start : start + rng.choice([1, 1, 2, 5])]
    lines[start:start] = span * rng.choice([1, 1, 2, 10])
    return b"".join(lines), "duplicate-lines"


def swap_lines(rng, data):
    lines = lines_of(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"".join(lines), "swap-lines"


def flip_bytes(rng, data):
    out = bytearray(data)
    for _ in range(rng.choice([1, 1, 2, 4, 16])):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8) if rng.random() < 0.7 else rng.randrange(1, 256)
    return bytes(out), "flip-bytes"


def insert_bytes(rng, data):
    out = data
    for _ in range(rng.choice([1, 1, 2, 5])):
        i = rng.randrange(len(out) + 1)
        if rng.random() < 0.6:
            piece = rng.choice(BAD_BYTES)
        else:
            piece = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 9)))
        out = out[:i] + piece + out[i:]
    return out, "insert-bytes"


def splice_tokens(rng, data):
    out = data
    for _ in range(rng.choice([1, 1, 2, 3])):
        i = rng.randrange(len(out) + 1)
        token = rng.choice(TOKENS)
        if rng.random() < 0.3:  # replace the word there rather than insert
            m = re.compile(rb"[A-Za-z_0-9.%$]+").match(out, i)
            j = m.end() if m else i
        else:
            j = i
        out = out[:i] + token + out[j:]
    return out, "splice-tokens"


MUTATORS = [truncate, delete_lines, duplicate_lines, swap_lines, flip_bytes,
            insert_bytes, splice_tokens]


def mutate(rng, data):
    """One or, a third of the time, several mutations in a row."""
    kinds = []
    for _ in range(1 if rng.random() < 0.67 else rng.randrange(2, 5)):
        if not data:
            data = b"\n"
        data, kind = rng.choice(MUTATORS)(rng, data)
        kinds.append(kind)
    return data, "+".join(kinds)


def hostile_files(rng, data):
    """Whole files no mutation of a spec would produce."""
    head = b"problem p {\n  metrics x\n  score = "
    yield b"", "hostile-empty"
    yield b"\n\n  \t\n", "hostile-blank"
    yield b"(" * 65536, "hostile-64KiB-of-("
    yield b"{" * 65536, "hostile-64KiB-of-{"
    yield b"problem p " + b"{" * 65536, "hostile-64KiB-of-{-after-problem"
    yield rng.getrandbits(8 << 21).to_bytes(2 << 20, "little"), "hostile-2MiB-random"
    yield rng.getrandbits(8 << 19).to_bytes(1 << 19, "little"), "hostile-512KiB-random"
    yield bytes(rng.randrange(32, 127) for _ in range(64 << 10)), "hostile-64KiB-printable"
    yield head + b"(" * 100000 + b"x" + b")" * 100000 + b"\n}\n", "hostile-deep-parens"
    yield head + b"f(" * 50000 + b"x" + b")" * 50000 + b"\n}\n", "hostile-deep-calls"
    yield head + b"- " * 200000 + b"x\n}\n", "hostile-200k-minus"
    yield head + b"not " * 100000 + b"x > 0\n}\n", "hostile-100k-not"
    yield head + b"x + " * 100000 + b"x\n}\n", "hostile-100k-terms"
    yield b"problem p {\n" + b"  metrics x\n" * 50000 + b"}\n", "hostile-50k-statements"
    yield b"problem p {\n  limits " + b"time 2s " * 50000 + b"\n}\n", "hostile-long-setting"
    yield b"problem p {\n  " + b"junk " * 100000 + b"\n}\n", "hostile-long-unknown-statement"
    yield b"problem p {" + b"\r" * 100000 + b"}", "hostile-carriage-returns"
    yield b'problem p { describe """' + b"x" * 100000, "hostile-unterminated-text"
    yield b"problem p { /*" + b"x" * 100000, "hostile-unterminated-comment"
    yield b'problem p { sources "' + b"x" * 100000, "hostile-unterminated-string"
    yield b"\xef\xbb\xbf" + data, "hostile-bom"
    yield data.replace(b"\n", b"\r\n"), "hostile-crlf"
    yield data.replace(b"\n", b"\r"), "hostile-cr-only"
    yield data.replace(b"\n", b";"), "hostile-one-line"
    yield data + b"\x00", "hostile-trailing-nul"
    yield data[: len(data) // 2] + b"\xff" + data[len(data) // 2 :], "hostile-0xff"
    yield data * 3, "hostile-three-problems"
    yield data * (((1 << 20) // len(data)) + 1), "hostile-over-1MiB"


def describe_exit(code):
    if code < 0:
        try:
            return "killed by signal %s" % signal.Signals(-code).name
        except ValueError:
            return "killed by signal %d" % -code
    return "exit code %d" % code


def check(adrsc, path, timeout):
    """Runs adrsc on one file; returns (problems, exit code, seconds, stderr)."""
    start = time.monotonic()
    try:
        proc = subprocess.run(adrsc + ["check", "--spec-only", path],
                              stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              timeout=timeout)
    except subprocess.TimeoutExpired as e:
        err = (e.stderr or b"").decode("utf-8", "replace")
        return ["no result within %gs (a hang?)" % timeout], None, timeout, err
    seconds = time.monotonic() - start
    err = proc.stderr.decode("utf-8", "replace")
    code = proc.returncode
    problems = []
    if code not in (0, 1):
        problems.append(describe_exit(code) + "; expected 0 or 1")
    if code == 1:
        located = re.compile(r"^%s(:\d+:\d+)?: error: " % re.escape(path), re.M)
        if not located.search(err):
            problems.append("exit code 1 without a '%s:LINE:COL: error: ' "
                            "diagnostic" % path)
    for text in FORBIDDEN:
        if text in err:
            problems.append("stderr contains %r" % text)
    return problems, code, seconds, err


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("spec", help="a valid spec to mutate")
    parser.add_argument("adrsc", nargs="+", help="the command that runs adrsc")
    parser.add_argument("--work", required=True,
                        help="scratch directory (emptied first); failing "
                             "inputs are kept here")
    parser.add_argument("--count", type=int, default=300,
                        help="number of inputs, hostile files included")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="seconds allowed per input")
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--show", type=int, default=10,
                        help="failures shown in detail")
    args = parser.parse_args()

    with open(args.spec, "rb") as f:
        original = f.read()
    if not original.strip():
        sys.exit("mutate.py: %s is empty; it must be a valid spec" % args.spec)
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(os.path.dirname(os.path.abspath(args.spec)), work)
    failures_dir = os.path.join(work, "failures")
    os.makedirs(failures_dir)

    rng = random.Random(args.seed)
    inputs = [(original, "original")]
    for hostile in hostile_files(rng, original):
        if len(inputs) >= args.count:
            break
        inputs.append(hostile)
    while len(inputs) < args.count:
        inputs.append(mutate(rng, original))

    def run(index):
        data, kind = inputs[index]
        # Next to the files the spec names; the name is what diagnostics show.
        path = os.path.join(work, "mutant-%05d.adrs" % index)
        with open(path, "wb") as f:
            f.write(data)
        problems, code, seconds, err = check(args.adrsc, path, args.timeout)
        if index == 0 and code != 0 and not problems:
            problems.append("the unmutated spec must check cleanly (exit 0), "
                            "got " + describe_exit(code))
        if problems:
            kept = os.path.join(failures_dir, "mutant-%05d-%s.adrs" % (index, kind))
            shutil.copyfile(path, kept)
            with open(kept + ".stderr", "w") as f:
                f.write(err)
        else:
            kept = None
        os.remove(path)
        return index, kind, problems, code, seconds, err, kept

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(run, range(len(inputs))))
    elapsed = time.monotonic() - started

    failed = [r for r in results if r[2]]
    for index, kind, problems, code, seconds, err, kept in failed[: args.show]:
        print("FAIL: mutant %d (%s): %s" % (index, kind, "; ".join(problems)))
        print("  input kept at %s (stderr in %s.stderr)" % (kept, kept))
        print("  reproduce: %s check %s" % (" ".join(args.adrsc), kept))
        lines = err.splitlines()
        for line in lines[:6]:
            print("  | " + line[:200])
        if len(lines) > 6:
            print("  | ... (%d more lines)" % (len(lines) - 6))
    if len(failed) > args.show:
        print("... and %d more failures, all kept in %s"
              % (len(failed) - args.show, failures_dir))

    accepted = sum(1 for r in results if r[3] == 0)
    rejected = sum(1 for r in results if r[3] == 1 and not r[2])
    slowest = max(results, key=lambda r: r[4])
    print("mutate.py: %d inputs (seed %d, %d hostile): %d accepted, %d rejected "
          "with diagnostics, %d failed; %.1fs in all, slowest %.2fs (#%d %s)"
          % (len(results), args.seed,
             sum(1 for r in results if r[1].startswith("hostile")),
             accepted, rejected, len(failed), elapsed, slowest[4], slowest[0],
             slowest[1]))
    if failed:
        print("mutate.py: FAILED; failing inputs are in %s" % failures_dir)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
