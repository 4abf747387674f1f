// A prior belongs to the encoder it was fitted to (issue #27, M6): it records the Stage-I step and a
// digest of the encoder's weights; a prior of another encoder (train --resume after train-prior, an
// edited checkpoint, a prior from before the record) is refused with a hint to rerun train-prior,
// unless asked for; an interrupted train-prior leaves the earlier latents, prior and log as they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/index.js';
import { trainStage1 } from '../../src/train/stage1.js';
import { trainPrior } from '../../src/train/stage2.js';
import { loadPrior, loadRun } from '../../src/train/load-run.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'disco-diff.js');
const dir = mkdtempSync(join(tmpdir(), 'dd-stale-'));
const config = (steps: number) => parseConfig({
  data: { kind: 'toy', name: '8gaussians', n: 200 },
  model: { kind: 'mlp', hidden: 16, layers: 2, embDim: 8 },
  latents: { m: 1, k: 4 },
  encoder: { kind: 'mlp', hidden: 16, layers: 2 },
  train: { steps, batch: 32, warmupSteps: 0, logEvery: 2, checkpointEvery: 2 },
  prior: { steps: 3, batch: 32, dim: 8, layers: 1, heads: 2 },
  sample: { steps: 4 },
});
const quiet = { quiet: true };

/** Loads the run's prior (with `stale`, whatever it was fitted to); throws as sample, eval and serve would. */
function priorOf(run: string, stale = false): void {
  const L = loadRun(run);
  try {
    loadPrior(L.run, L.cfg, 0, { stale }).dispose();
  } finally {
    L.model.dispose();
  }
}

/** Rewrites a safetensors file, changing its metadata or tensors in place. */
function edit(path: string, change: (f: ReturnType<typeof loadSafetensors>) => void): void {
  const f = loadSafetensors(path);
  change(f);
  saveSafetensors(path, f.tensors, f.metadata);
  for (const t of f.tensors.values()) t.dispose();
}

const rerun = 'rerun `disco-diff train-prior --run .*` \\(`sample --stale-prior` uses it anyway\\)$';

test('the prior records its encoder; after train --resume it is refused until train-prior runs again', async () => {
  const run = join(dir, 'resumed');
  await trainStage1(config(4), run, quiet);
  await trainPrior(run, quiet);
  const meta = JSON.parse(loadSafetensors(join(run, 'prior.safetensors'), []).metadata.meta!);
  assert.equal(meta.fittedTo.step, 4);
  assert.match(meta.fittedTo.digest, /^[0-9a-f]{40}$/);
  priorOf(run);

  await trainStage1(config(8), run, { ...quiet, resume: true });
  const stale = new RegExp(`the prior .*prior\\.safetensors was fitted at step 4, the checkpoint is at step 8: ${rerun}`);
  assert.throws(() => priorOf(run), stale);
  priorOf(run, true);
  const cli = (...extra: string[]) => spawnSync(process.execPath,
    [bin, 'sample', '--run', run, '--n', '4', '--out', join(dir, 'x.npy'), ...extra], { encoding: 'utf8', timeout: 60_000 });
  const refused = cli();
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr.trimEnd(), new RegExp(`^disco-diff: error: ${stale.source}`), 'one line, naming both steps');
  assert.ok(!existsSync(join(dir, 'x.npy')));
  const allowed = cli('--stale-prior');
  assert.equal(allowed.status, 0, allowed.stderr);

  await trainPrior(run, quiet);
  priorOf(run);
  assert.ok(!existsSync(join(run, 'prior-next')), 'no staging folder is left behind');
});

test('a prior of another encoder at the same step, or one with no record, is refused', async () => {
  const run = join(dir, 'edited');
  await trainStage1(config(4), run, quiet);
  await trainPrior(run, quiet);
  edit(join(run, 'checkpoint.safetensors'), (f) => {
    const [name, w] = [...f.tensors].find(([k]) => k.startsWith('ema.encoder.'))!;
    f.tensors.set(name, w.add(1e-3));
    w.dispose();
  });
  assert.throws(() => priorOf(run), new RegExp(`was fitted to another encoder than the checkpoint's \\(both at step 4\\): ${rerun}`));

  await trainPrior(run, quiet);
  edit(join(run, 'prior.safetensors'), (f) => {
    const meta = JSON.parse(f.metadata.meta!);
    delete meta.fittedTo;
    f.metadata.meta = JSON.stringify(meta);
  });
  assert.throws(() => priorOf(run), new RegExp(`does not record the encoder it was fitted to \\(it predates that record\\): ${rerun}`));
  priorOf(run, true);
});

test('a train-prior killed while it fits leaves the earlier latents, prior and log as they were', async () => {
  const run = join(dir, 'killed');
  await trainStage1(config(4), run, quiet);
  await trainPrior(run, quiet);
  const files = ['latents.npy', 'prior.safetensors', 'prior-metrics.jsonl'].map((f) => join(run, f));
  const before = files.map((f) => ({ bytes: readFileSync(f), ino: statSync(f).ino }));
  // A long fit (prior.steps in the stored config), killed once it has started writing.
  edit(join(run, 'checkpoint.safetensors'), (f) => {
    const meta = JSON.parse(f.metadata.meta!);
    meta.config.prior.steps = 1_000_000;
    f.metadata.meta = JSON.stringify(meta);
  });
  const child = spawn(process.execPath, [bin, 'train-prior', '--run', run, '--quiet'], { stdio: 'ignore' });
  const started = () => existsSync(join(run, 'prior-next', 'prior-metrics.jsonl')) || !existsSync(files[2]!) ||
    statSync(files[0]!).ino !== before[0]!.ino;
  const t0 = Date.now();
  while (!started() && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  assert.ok(started(), 'train-prior started fitting within a minute');
  assert.deepEqual(files.map((f) => existsSync(f) && { bytes: readFileSync(f), ino: statSync(f).ino }), before);
  priorOf(run);
  // The next train-prior takes over the dead writer's lock and clears its half-written set.
  edit(join(run, 'checkpoint.safetensors'), (f) => {
    const meta = JSON.parse(f.metadata.meta!);
    meta.config.prior.steps = 3;
    f.metadata.meta = JSON.stringify(meta);
  });
  await trainPrior(run, quiet);
  assert.ok(!existsSync(join(run, 'prior-next')));
  priorOf(run);
});
