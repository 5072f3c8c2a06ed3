#!/usr/bin/env bash
# Runs clang-tidy (the checks in .clang-tidy) on the C++ files a change
# touches, against the compilation database of a build directory.
#   utils/tidy-changed.sh [BUILD_DIR] [BASE]
# BASE defaults to the commit before HEAD: CI checks what the last commit
# changed. Exits 1 when a check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
base=${2:-HEAD~1}
tidy=$(command -v clang-tidy-16 || command -v clang-tidy)
if ! git rev-parse -q --verify "$base" >/dev/null; then
  echo "tidy: no commit '$base' to compare with; nothing to check"
  exit 0
fi
# Only what the build compiles: the compilation database has its flags.
mapfile -t files < <(git diff --name-only --diff-filter=AM "$base" -- \
  'lib/*.cpp' 'tools/*.cpp' 'passes/*.cpp' 'bench/*.cpp' |
  while read -r f; do
    grep -q "\"file\": \"$PWD/$f\"" "$build/compile_commands.json" && echo "$f"
  done)
if [ ${#files[@]} -eq 0 ]; then
  echo "tidy: no C++ files changed since $base"
  exit 0
fi
echo "tidy: ${#files[@]} files changed since $base"
status=0
for f in "${files[@]}"; do
  if ! "$tidy" -p "$build" --quiet "$f" 2>/dev/null; then
    status=1
  fi
done
exit $status
