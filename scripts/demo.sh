#!/usr/bin/env bash
# The main job: set up (idempotent), then run the 8-Gaussians demo (plain DM vs DisCo-Diff,
# prior, samples, metrics, figures, report) into runs/demo. Extra arguments go to `demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node bin/disco-diff.js demo --out runs/demo "$@"
