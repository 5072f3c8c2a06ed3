#!/usr/bin/env bash
# Checks the C++ files a change touches: their formatting (clang-format,
# .clang-format) and the checks in .clang-tidy, against the compilation
# database of a build directory.
#   utils/lint-changed.sh [BUILD_DIR] [BASE]
# BASE is the commit to compare with. By default: the last commit older than
# six hours before HEAD, so CI checks what the latest stretch of work
# changed, however many commits it took (and not the whole tree, which takes
# clang-tidy a quarter of an hour on two cores). Exits 1 when a file is not formatted or a check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
if [ $# -ge 2 ]; then
  base=$2
else
  since=$(date -d "$(git log -1 --format=%cI HEAD) - 6 hours" --iso-8601=seconds)
  base=$(git rev-list -1 --before="$since" HEAD || true)
fi
if [ ! -f "$build/compile_commands.json" ]; then
  echo "lint: no $build/compile_commands.json; configure the build first (cmake -B $build)" >&2
  exit 2
fi
tidy=$(command -v clang-tidy-16 || command -v clang-tidy)
format=$(command -v clang-format-16 || command -v clang-format)
if [ -z "$base" ] || ! git rev-parse -q --verify "$base^{commit}" >/dev/null; then
  # A shallow or young history: check the whole tree.
  base=$(git hash-object -t tree /dev/null)
  echo "lint: no earlier commit to compare with; checking every file"
fi

status=0

# Formatting: every changed C++ file of the project's own code. Tests'
# inputs and examples are left as their authors wrote them (some are
# verbatim ports whose layout is part of the comparison).
mapfile -t sources < <(git diff --name-only --diff-filter=AM "$base" -- \
  'include/*.h' 'lib/*.cpp' 'lib/*.h' 'tools/*.cpp' 'tools/*.h' \
  'passes/*.cpp' 'bench/*.cpp' 'unittests/*.cpp' 'unittests/*.h')
if [ ${#sources[@]} -gt 0 ]; then
  if ! "$format" --dry-run -Werror "${sources[@]}"; then
    echo "lint: run '$format -i' on the files above"
    status=1
  fi
fi
echo "lint: formatting of ${#sources[@]} changed files checked"

# clang-tidy: only what the build compiles (the database has its flags).
mapfile -t files < <(printf '%s\n' "${sources[@]}" | grep -E '^(lib|tools|passes|bench)/.*\.cpp$' |
  while read -r f; do
    grep -q "\"file\": \"$PWD/$f\"" "$build/compile_commands.json" && echo "$f"
  done)
echo "lint: clang-tidy on ${#files[@]} changed files"
if [ ${#files[@]} -gt 0 ]; then
  # One file per process, as many at once as there are cores; a file's
  # findings are printed together.
  if ! printf '%s\n' "${files[@]}" |
      xargs -P "$(nproc)" -I{} sh -c \
        'out=$("$0" -p "$1" --quiet "{}" 2>/dev/null) || { printf "%s\n" "$out"; exit 1; }' \
        "$tidy" "$build"; then
    status=1
  fi
fi
exit $status
