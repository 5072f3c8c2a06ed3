#!/usr/bin/env bash
# Installs what adrsc needs to build and test on Debian 12 (bookworm).
# The one list of packages: the README and CI both use this script.
set -euo pipefail

packages=(
  # Toolchain and build.
  build-essential cmake ninja-build ccache python3
  # LLVM/Clang 16: libraries, headers, FileCheck, not, count and lit.
  llvm-16-dev llvm-16-tools libclang-16-dev libclang-cpp16-dev clang-16
  # The spec parser is generated with ANTLR 4 at build time.
  antlr4 libantlr4-runtime-dev
  # Candidate isolation: the system-call filter.
  libseccomp-dev
  # The run database, and CMA-ES for constant tuning (pagmo2).
  libsqlite3-dev libpagmo-dev
  # The LLM generator: HTTP (libcurl multi) and the JSON wire format.
  libcurl4-openssl-dev nlohmann-json3-dev
  # The live dashboard (adrsc serve).
  libcpp-httplib-dev
  # Unit tests; headless Chromium renders the report in the lit tests.
  libgtest-dev chromium
  # The LevelDB example downloads LevelDB's release (examples/leveldb).
  curl
  # Formatting and clang-tidy on what a change touches (utils/lint-changed.sh).
  clang-format-16 clang-tidy-16
  # The SLURM executor's tests run against a real one-node cluster
  # (test/Inputs/slurm.sh): srun, squeue, scancel and the daemons.
  slurm-wlm munge
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
  "${missing[@]}"
