#!/usr/bin/env bash
# The GPU device check (docs/gpu.md): from a clean copy of the tree on a GPU machine that has PyTorch
# but no Node, it unpacks the Node and node_modules carried in .device/, builds the addon against
# that PyTorch's libtorch, then runs the CUDA test subset (scripts/device/check.ts), process groups
# (scripts/device/group.ts: NCCL, world size 1 and 2) and the U-Net training-step benchmark against
# PyTorch (scripts/device/bench.ts). Writes $OUT/device-check.json (+ .log, build.log) and prints a table.
#
#   bash scripts/device-check.sh          on the GPU machine
#   bash scripts/device-check.sh --cpu    the dry run: everything but CUDA, tiny sizes, the existing
#                                         build/Release addon (built only when missing), gloo for nccl
set -uo pipefail
cd "$(dirname "$0")/.."
MODE=cuda
case "${1:-}" in
  --cpu) MODE=cpu ;;
  '') ;;
  *) echo "usage: bash scripts/device-check.sh [--cpu]" >&2; exit 2 ;;
esac
OUT=${OUT:-$PWD/.device-out}
PARTS=$(mktemp -d)
trap 'rm -rf "$PARTS"' EXIT
mkdir -p "$OUT"
exec > >(tee "$OUT/device-check.log") 2>&1
t0=$(date +%s)
say() { echo "[device-check $(( $(date +%s) - t0 ))s] $*"; }

# ---- Node and node_modules: the machine's own, else the carried ones (docs/gpu.md says how to make them)
if ! command -v node >/dev/null; then
  tarball=$(ls .device/node-v*-linux-x64.tar.xz 2>/dev/null | head -1)
  [ -n "$tarball" ] || { say "no node on PATH and no .device/node-v*-linux-x64.tar.xz carried"; exit 1; }
  mkdir -p /tmp/device-node && tar -xJf "$tarball" -C /tmp/device-node --strip-components=1
  export PATH="/tmp/device-node/bin:$PATH"
fi
NODEDIR=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")  # its include/node serves node-gyp
if [ ! -d node_modules ]; then
  [ -f .device/node_modules.tar.xz ] || { say "no node_modules and no .device/node_modules.tar.xz carried"; exit 1; }
  tar -xJf .device/node_modules.tar.xz
fi
say "node $(node --version)"

# ---- the addon: against the device's PyTorch; the dry run keeps the existing build
BUILD=existing
if [ "$MODE" = cuda ] || [ ! -f build/Release/disco_native.node ]; then
  if [ "$MODE" = cuda ]; then
    export LIBTORCH=${LIBTORCH:-$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')}
    command -v nvcc >/dev/null && export CUDA_HOME=${CUDA_HOME:-$(dirname "$(dirname "$(command -v nvcc)")")}
  fi
  GYP=$NODEDIR/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js
  [ -f "$GYP" ] || GYP=node_modules/node-gyp/bin/node-gyp.js
  say "building the addon against ${LIBTORCH:-Debian libtorch}: $(node native/libtorch.cjs summary)"
  b0=$(date +%s)
  if node "$GYP" rebuild --nodedir="$NODEDIR" -j "$(nproc)" >"$OUT/build.log" 2>&1; then
    BUILD=built
  else
    # Without the CUDA-only code (NCCL, the allocator counters): the rest of the check still runs.
    say "build failed (the end of $OUT/build.log below); retrying with DISCO_ADDON_CUDA=0"
    tail -30 "$OUT/build.log"
    if DISCO_ADDON_CUDA=0 node "$GYP" rebuild --nodedir="$NODEDIR" -j "$(nproc)" >>"$OUT/build.log" 2>&1; then BUILD=fallback
    else say "the fallback build failed too"; tail -30 "$OUT/build.log"; exit 1; fi
  fi
  BUILD_S=$(( $(date +%s) - b0 ))
  say "addon $BUILD in ${BUILD_S}s"
fi

# ---- what ran where
if [ "$MODE" = cuda ]; then
  DEV=cuda PYTHON=python3 GPU=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)
  BENCH=(--batches 32,64,128 --warmup 3 --steps 10)
else
  DEV=cpu PYTHON=/usr/bin/python3 GPU=cpu
  BENCH=(--batches 2 --warmup 1 --steps 1 --shrink 1)
fi
MODE=$MODE GPU=$GPU BUILD=$BUILD BUILD_S=${BUILD_S:-0} PYTHON=$PYTHON node -e '
  const { execFileSync } = require("node:child_process");
  const torch = (() => { try { return execFileSync(process.env.PYTHON, ["-c", "import torch;print(torch.__version__)"], { encoding: "utf8" }).trim(); } catch { return null; } })();
  const lt = JSON.parse(execFileSync("node", ["native/libtorch.cjs", "summary"], { encoding: "utf8" }));
  console.log(JSON.stringify({ mode: process.env.MODE, device: process.env.GPU, node: process.version, python_torch: torch,
    libtorch: lt, build: process.env.BUILD, build_s: Number(process.env.BUILD_S) }));' >"$PARTS/env.json" 2>"$PARTS/env.err"

# ---- the parts, each bounded in time; a part that fails leaves its log for the report
run() {
  local name=$1 limit=$2; shift 2
  say "$name"
  timeout "$limit" node --import tsx "$@" >"$PARTS/$name.json" 2>"$PARTS/$name.err"
  local rc=$?
  [ $rc -eq 0 ] || { say "$name exited $rc"; tail -5 "$PARTS/$name.err"; }
}
run check 240 scripts/device/check.ts --device "$DEV"
run group 120 scripts/device/group.ts --device "$DEV"
run bench 360 scripts/device/bench.ts --device "$DEV" --python "$PYTHON" "${BENCH[@]}"

node --import tsx scripts/device/report.ts --parts "$PARTS" --out "$OUT/device-check.json"
rc=$?
say "done in $(( $(date +%s) - t0 ))s"
exit $rc
