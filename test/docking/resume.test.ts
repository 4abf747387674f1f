// Exact resume of docking training: 4 steps in one go and 2 steps then a resume to 4 end with the
// same model, EMA and Adam tensors and the same metrics rows; a resume with another model size is
// refused and leaves the run as it was. On a fixed copy of a few ligands of data/docking (the
// committed set keeps growing while these tests run).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setNumThreads } from '../../src/engine/index.js';
import { loadCheckpoint } from '../../src/io/index.js';
import { parseDockingConfig } from '../../src/config/load.js';
import { trainDocking } from '../../src/train/docking.js';
import { RunDir } from '../../src/train/run-dir.js';

before(() => setNumThreads(1));

const tmp = mkdtempSync(join(tmpdir(), 'dd-dock-resume-'));
const data = join(tmp, 'data');
mkdirSync(join(data, '1HPV'), { recursive: true });
mkdirSync(join(data, 'receptors'));
cpSync('data/docking/receptors/1HPV.pdbqt', join(data, 'receptors', '1HPV.pdbqt'));
for (let i = 1; i <= 8; i++) cpSync(`data/docking/1HPV/bzr-00${i}.json`, join(data, '1HPV', `bzr-00${i}.json`));

const config = (steps: number, hidden = 16) => parseDockingConfig({
  domain: 'docking', data: { dir: data, receptors: ['1HPV'], limit: 4 }, model: { hidden, layers: 1, rbf: 8 },
  train: { steps, batch: 2, logEvery: 1, checkpointEvery: 2, threads: 1, warmupSteps: 2, emaDecay: 0.9, emaRampup: 0 },
  sample: { n: 4, steps: 3 },
});

/** The metrics rows of a run without the timing column. */
function rows(dir: string): Record<string, unknown>[] {
  return readFileSync(new RunDir(dir).metrics, 'utf8').trim().split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>).map(({ stepsPerSec: _, ...r }) => r);
}

/** Every tensor of a run's checkpoint (model, EMA, Adam moments) as numbers, by key; and its metadata. */
function checkpointOf(dir: string): { tensors: Map<string, Float32Array>; meta: Record<string, unknown> } {
  const ck = loadCheckpoint(new RunDir(dir).checkpoint);
  try {
    return { tensors: new Map([...ck.tensors].map(([k, t]) => [k, Float32Array.from(t.dataSync() as Float32Array)])), meta: ck.meta };
  } finally {
    ck.dispose();
  }
}

const whole = join(tmp, 'whole'), split = join(tmp, 'split');

test('2 steps then a resume to 4 equals 4 steps in one go: weights, EMA, Adam, data position, metrics', async () => {
  assert.equal((await trainDocking(config(4), whole, { quiet: true })).step, 4);
  assert.equal((await trainDocking(config(2), split, { quiet: true })).step, 2);
  assert.equal(rows(split).length, 2);
  assert.equal((await trainDocking(config(4), split, { quiet: true, resume: true })).step, 4);

  const a = checkpointOf(whole), b = checkpointOf(split);
  assert.deepEqual([...b.tensors.keys()].sort(), [...a.tensors.keys()].sort());
  for (const prefix of ['model.', 'ema.', 'optim.adam.']) assert.ok([...a.tensors.keys()].some((k) => k.startsWith(prefix)), prefix);
  for (const [k, x] of a.tensors) {
    const y = b.tensors.get(k)!;
    assert.equal(y.length, x.length, k);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
    assert.ok(worst <= 1e-7, `${k}: max |Δ| ${worst}`);
  }
  // The EMA moved away from the weights (decay 0.9), so the comparison above covers a state of its own.
  const model = [...a.tensors].filter(([k]) => k.startsWith('model.'));
  assert.ok(model.some(([k, w]) => w.some((v, i) => v !== a.tensors.get(`ema.${k.slice(6)}`)![i])));
  assert.deepEqual(b.meta.cursor, a.meta.cursor);
  assert.equal(b.meta.step, 4);

  const [ra, rb] = [rows(whole), rows(split)];
  assert.deepEqual(rb.map((r) => r.step), [1, 2, 3, 4]);
  assert.deepEqual(rb, ra);
  for (const r of ra) for (const k of ['loss', 'tr', 'rot', 'tor']) assert.ok(Number.isFinite(r[k]), `${k} of step ${r.step}`);
  // Warm-up over 2 steps: lr = 1e-3 · min(1, step / 2) at the step's update.
  assert.deepEqual(ra.map((r) => r.lr), [5e-4, 1e-3, 1e-3, 1e-3]);
});

test('a resume with another model size is refused naming the problem, and the run is left as it was', async () => {
  const before = readFileSync(new RunDir(split).checkpoint);
  const metrics = readFileSync(new RunDir(split).metrics, 'utf8');
  const cfgFile = readFileSync(new RunDir(split).config, 'utf8');
  await assert.rejects(trainDocking(config(6, 32), split, { quiet: true, resume: true }),
    /checkpoint\.safetensors was trained with other model or data settings.*model\.hidden 16 → 32/);
  assert.deepEqual(readFileSync(new RunDir(split).checkpoint), before);
  assert.equal(readFileSync(new RunDir(split).metrics, 'utf8'), metrics);
  assert.equal(readFileSync(new RunDir(split).config, 'utf8'), cfgFile);
  await assert.rejects(trainDocking(config(6), join(tmp, 'none'), { quiet: true, resume: true }), /run directory not found: .*none$/);
  await assert.rejects(trainDocking(config(6), split, { quiet: true }), /already holds a trained run; pass --resume/);
});
