#!/bin/sh
# The example end to end: download and build LevelDB 1.23 (get-leveldb.sh),
# evolve its block cache (adrsc run; extra arguments go to it, e.g.
# --seed=2 or --iterations=100), then show the best program's scores on the
# training and held-out workloads beside LevelDB's own LRU (adrsc best).
#
# Usage: run.sh [ADRSC-RUN-OPTIONS...]
#   ADRSC  the adrsc to use (default: adrsc on PATH, else the build's)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
adrsc=${ADRSC:-$(command -v adrsc || echo "$here/../../build/bin/adrsc")}
"$here/get-leveldb.sh"
"$adrsc" run "$here/spec.adrs" "$@"
"$adrsc" best "$here/adrs-runs/leveldb_cache"
