#!/usr/bin/env bash
# Runs the engine benchmark (bench/engine.ts), installing the PyTorch reference side first when
# /usr/bin/python3 cannot import torch (Debian's python3-torch: the same libtorch 1.13 as the addon).
# Extra arguments go to bench/engine.ts (e.g. --quick, --rounds=3).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! /usr/bin/python3 -c 'import torch, numpy' >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"
  echo "engine.sh: installing python3-torch and python3-numpy for the PyTorch reference"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-torch python3-numpy
fi
[ -f /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ] || echo "engine.sh: libjemalloc2 not installed; the jemalloc row is skipped"

bash scripts/setup.sh
node --import tsx bench/engine.ts "$@"
