#!/bin/sh
# The example end to end: download and build LevelDB 1.23 (get-leveldb.sh),
# evolve one of its policies (adrsc run), then show the best program's scores
# on the training and held-out workloads beside LevelDB's own policy (adrsc
# best).
#
# Usage: run.sh [compaction|cache] [ADRSC-RUN-OPTIONS...]
#   compaction  the compaction policy, db/version_set.cc (the default)
#   cache       the block cache's replacement policy, util/cache.cc
#   ADRSC-RUN-OPTIONS go to adrsc run: --seed=2, --iterations=100,
#               --strategy=random; running it again resumes the run,
#               --fresh --force starts it over.
#   ADRSC (environment) the adrsc to use (default: adrsc on PATH, else the
#               build's)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
adrsc=${ADRSC:-$(command -v adrsc || echo "$here/../../build/bin/adrsc")}
problem=compaction
case "${1:-}" in
compaction | cache)
  problem=$1
  shift
  ;;
esac
case $problem in
compaction) spec="$here/compaction.adrs" run=leveldb_compaction ;;
cache) spec="$here/cache.adrs" run=leveldb_cache ;;
esac
"$here/get-leveldb.sh"
"$adrsc" run "$spec" "$@"
"$adrsc" best "$here/adrs-runs/$run"
