#!/bin/sh
# Downloads LevelDB 1.23 (Debian's orig tarball, checked against a pinned
# sha256), unpacks it into work/leveldb-1.23, adds the evolve markers of
# evolve-markers.patch (comments only) to util/cache.cc and db/version_set.cc
# and builds it with LevelDB's own CMake into work/build, writing
# work/build/compile_commands.json.
#
# Usage: get-leveldb.sh [--download-only] [TARBALL]
#   --download-only  stop once the tarball is there and checked
#   TARBALL          a copy of leveldb_1.23.orig.tar.gz to use instead of
#                    downloading (it is checked against the same sha256).
# Running it again reuses what is there: the download, the unpacked and
# patched tree, the build.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
work="$here/work"
url=http://deb.debian.org/debian/pool/main/l/leveldb/leveldb_1.23.orig.tar.gz
sha256=9a37f8a6174f09bd622bc723b55881dc541cd50747cbd08831c2a82d620f6d76
tarball="$work/leveldb_1.23.orig.tar.gz"
src="$work/leveldb-1.23"
build="$work/build"

download_only=no
if [ "${1:-}" = --download-only ]; then
  download_only=yes
  shift
fi

mkdir -p "$work"
# One at a time: two runs at once (two lit tests, two terminals) would unpack
# and build over each other.
exec 9>"$work/.lock"
flock 9

if [ $# -ge 1 ]; then
  cp "$1" "$tarball.part"
  mv "$tarball.part" "$tarball"
elif [ ! -f "$tarball" ]; then
  echo "downloading $url"
  if ! curl -fsSL --retry 2 -o "$tarball.part" "$url"; then
    rm -f "$tarball.part"
    echo "error: could not download $url" >&2
    exit 3
  fi
  mv "$tarball.part" "$tarball"
fi

actual=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ "$actual" != "$sha256" ]; then
  echo "error: $tarball has sha256 $actual, expected $sha256" >&2
  rm -f "$tarball"
  exit 4
fi

[ "$download_only" = yes ] && exit 0

# The tree is unpacked again whenever the patch is not the one it carries.
markers=$(sha256sum "$here/evolve-markers.patch" | cut -d' ' -f1)
if [ "$(cat "$src/.markers-applied" 2>/dev/null)" != "$markers" ]; then
  rm -rf "$src"
  tar -xzf "$tarball" -C "$work"
  patch -s -d "$src" -p1 < "$here/evolve-markers.patch"
  echo "$markers" > "$src/.markers-applied"
fi

# LevelDB's own build, options as its CMakeLists.txt defines them. Its
# googletest and benchmark submodules are not in the tarball, so tests and
# benchmarks stay off. Compiled by Clang 16, the compiler adrsc compiles the
# evaluator and the candidates with, so the archive and they share one ABI.
if [ ! -f "$build/libleveldb.a" ] || [ "$src/.markers-applied" -nt "$build/libleveldb.a" ]; then
  cmake -S "$src" -B "$build" -G Ninja \
    -DCMAKE_CXX_COMPILER=clang++-16 -DCMAKE_C_COMPILER=clang-16 \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
    -DLEVELDB_BUILD_TESTS=OFF -DLEVELDB_BUILD_BENCHMARKS=OFF \
    -DLEVELDB_INSTALL=OFF >"$work/cmake.log" 2>&1 ||
    { cat "$work/cmake.log" >&2; exit 5; }
  cmake --build "$build" --target leveldb
fi
echo "LevelDB 1.23 built: $build/libleveldb.a"
