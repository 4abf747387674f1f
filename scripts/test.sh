#!/usr/bin/env bash
# The test command: set up (idempotent), type-check, run the whole suite with node:test.
set -euo pipefail
shopt -s globstar nullglob
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc --noEmit
# setup.sh installed PyTorch for /usr/bin/python3: the interop tests must run, not skip.
export DISCO_REQUIRE_INTEROP=1
# The test files share one process (scripts/test-shared.ts), except those whose first line reads
# `// own-process: WHY`: they run one process each. It fails when either part fails.
own=() shared=()
for f in test/**/*.test.ts; do
  if head -1 "$f" | grep -q '^// own-process:'; then own+=("$f"); else shared+=("$f"); fi
done
status=0
node --import tsx --test-reporter=spec scripts/test-shared.ts "${shared[@]}" || status=$?
# (With no files, node --test would look for every test file itself.)
if [ ${#own[@]} -gt 0 ]; then node --import tsx --test --test-concurrency=1 --test-reporter=spec "${own[@]}" || status=$?; fi
exit $status
