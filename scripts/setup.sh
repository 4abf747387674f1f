#!/usr/bin/env bash
# Installs what disco-diff needs and builds the native addon. Safe to run again: each step is
# skipped when already done. Set LIBTORCH=/path to build against another libtorch (e.g. CUDA).
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/apt-install.sh

# Debian packages: libtorch (C++ PyTorch 1.13), OpenBLAS (the fast BLAS, selected at link time; its
# OpenMP build, which shares libtorch's threads), Gloo (for process groups), jemalloc (optional
# allocator), Fashion-MNIST, a compiler toolchain, Chromium with a font for the browser test of
# `disco-diff serve` (test/serve/browser.test.ts), and NumPy and PyTorch for /usr/bin/python3, which
# the interop tests compare against.
COMMON="libopenblas0-openmp dataset-fashion-mnist g++ make python3 python3-numpy python3-torch chromium fonts-dejavu-core"
PKGS="libtorch-dev libgloo-dev libjemalloc2 $COMMON"
[ -n "${LIBTORCH:-}" ] && PKGS="$COMMON"
apt_install setup $PKGS

# npm dependencies, reinstalled only when package-lock.json changed.
stamp=node_modules/.lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi

# The addon, rebuilt when a native source, binding.gyp or LIBTORCH changed (the package's install step).
node scripts/install-addon.cjs
echo "setup: ready"
