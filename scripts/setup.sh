#!/usr/bin/env bash
# Installs what disco-diff needs and builds the native addon. Safe to run again: each step is
# skipped when already done. Set LIBTORCH=/path to build against another libtorch (e.g. CUDA).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"

# Debian packages: libtorch (C++ PyTorch 1.13), OpenBLAS (the fast BLAS, selected at link time),
# Gloo (for process groups), jemalloc (optional allocator), Fashion-MNIST, a compiler toolchain,
# and Chromium with a font for the browser test of `disco-diff serve` (test/serve/browser.test.ts).
PKGS="libtorch-dev libopenblas0-pthread libgloo-dev libjemalloc2 dataset-fashion-mnist g++ make python3 chromium fonts-dejavu-core"
[ -n "${LIBTORCH:-}" ] && PKGS="libopenblas0-pthread dataset-fashion-mnist g++ make python3 chromium fonts-dejavu-core"
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "setup: installing Debian packages:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

# npm dependencies, reinstalled only when package-lock.json changed.
stamp=node_modules/.lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi

# The addon, rebuilt when a native source, binding.gyp or LIBTORCH changed.
addon=build/Release/disco_native.node
key="$(cat native/* binding.gyp | sha1sum | cut -c1-16)-${LIBTORCH:-system}"
if [ ! -f "$addon" ] || [ "$(cat build/.key 2>/dev/null)" != "$key" ]; then
  echo "setup: building the native addon"
  npx node-gyp rebuild -j "$(nproc)" >build.log 2>&1 || { tail -40 build.log; echo "setup: addon build failed (full log: build.log)"; exit 1; }
  echo "$key" >build/.key
fi
echo "setup: ready"
