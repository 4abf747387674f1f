#!/usr/bin/env bash
# The test command: set up (idempotent), type-check, run the whole suite with node:test.
set -euo pipefail
shopt -s globstar nullglob
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc --noEmit
# setup.sh installed PyTorch for /usr/bin/python3: the interop tests must run, not skip.
export DISCO_REQUIRE_INTEROP=1
node --import tsx --test --test-concurrency=1 --test-reporter=spec test/**/*.test.ts
