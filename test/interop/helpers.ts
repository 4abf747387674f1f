// Shared by the tests that compare with PyTorch: Debian's /usr/bin/python3 (python3-torch and
// python3-numpy, installed by scripts/setup.sh), the reference scripts here, and test weights.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, noGrad, randn, tidy } from '../../src/engine/index.js';
import type { Module } from '../../src/nn/module.js';

/** Debian's Python, not the pyenv python3 first on PATH. */
export const PYTHON = '/usr/bin/python3';

const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;

/**
 * `skip` for an interop test: a reason without PyTorch, unless DISCO_REQUIRE_INTEROP is set (as
 * scripts/test.sh does), so that CI fails instead of skipping.
 */
export const skipWithoutTorch = hasTorch || process.env.DISCO_REQUIRE_INTEROP ? false
  : `${PYTHON} lacks torch/numpy (bash scripts/setup.sh installs python3-torch and python3-numpy)`;

/** Runs a script (a path, or test/interop/<name>) with args; asserts it succeeds and parses its JSON output. */
export function runPython<T>(script: string, args: string[]): T {
  const path = script.includes('/') ? script : join(import.meta.dirname, script);
  const r = spawnSync(PYTHON, [path, ...args], { encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  assert.equal(r.status, 0, `${script} failed: ${r.stderr || r.error?.message}`);
  return JSON.parse(r.stdout) as T;
}

/** One comparison reported by a reference script. */
export interface Agreement {
  params: number;
  max_abs_diff: number;
  out_abs_max: number;
}

/** Replaces every all-zero parameter (EDM's zero-initialised output layers) by small noise. */
export function perturbZeroInit(m: Module, seed = 1): void {
  const g = new Generator(seed);
  noGrad(() => tidy(() => {
    for (const p of m.parameters()) if (p.abs().max().item() === 0) p.copy_(randn(p.shape, { generator: g }).mul(0.1));
  }));
  g.dispose();
}
