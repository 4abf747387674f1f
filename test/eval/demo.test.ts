// The 8-Gaussians demo's --seed: a run trained with another seed is never reused or resumed.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setNumThreads } from '../../src/engine/index.js';
import { loadConfig } from '../../src/config/load.js';
import { trainStage1 } from '../../src/train/stage1.js';
import { runDemo } from '../../src/eval/commands.js';

before(() => setNumThreads(1));
const dir = mkdtempSync(join(tmpdir(), 'dd-demo-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('demo --seed refuses an output directory whose runs were trained with another seed, naming both', async () => {
  const cfg = loadConfig(join(import.meta.dirname, '..', '..', 'configs', 'toy-edm.yaml'));
  cfg.train.steps = 2;
  cfg.train.seed = 1;
  await trainStage1(cfg, join(dir, 'dm'), { quiet: true });
  await assert.rejects(runDemo(dir, { steps: 2, seed: 2, quiet: true }), /dm was trained with seed 1, not 2: give another --out/);
});
