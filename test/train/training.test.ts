import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyOverrides, parseConfig } from '../../src/config/load.js';
import { trainStage1 } from '../../src/train/stage1.js';
import { trainPrior } from '../../src/train/stage2.js';
import { loadRun, loadPrior } from '../../src/train/load-run.js';
import { generate } from '../../src/disco/sample.js';

const tiny = (steps: number, latents = true) => parseConfig({
  data: { kind: 'toy', name: '8gaussians', n: 800 },
  model: { kind: 'mlp', hidden: 32, layers: 3, embDim: 16 },
  latents: { enabled: latents, m: 2, k: 4 },
  encoder: { kind: 'mlp', hidden: 32, layers: 2 },
  train: { steps, batch: 64, lr: 1e-3, warmupSteps: 5, logEvery: 5, checkpointEvery: 7, seed: 3 },
  prior: { steps: 20, batch: 64, dim: 16, layers: 1, heads: 2 },
  sample: { steps: 8 },
});

for (const codes of ['one isotropic Gaussian', 'the default mixture of full Gaussians'] as const) {
  test(`a run stopped at step 13 and resumed equals the unsplit run bit for bit (${codes} per code): losses, checkpoint, metrics rows`, async () => {
    // float64, with the analytic codebook's EMA refit and code restarts, whose usage counts must resume
    // too (a random encoder, routeInit 0, so that codes die and restarts fire with isotropic codes).
    const isotropic = codes === 'one isotropic Gaussian';
    const cfg = parseConfig({
      ...tiny(30), model: { kind: 'mlp', hidden: 32, layers: 3, embDim: 16, analyticGaussian: true, latentInput: 'presence',
        ...(isotropic && { codeModes: 1, codeCovariance: 'isotropic' }) },
      latents: { enabled: true, m: 2, k: 4, centreInit: 'kmeans', routeInit: 0, centreUpdate: 'ema', restartEvery: 4, restartUntil: 0.8 },
      train: { ...tiny(30).train, dtype: 'float64' },
    });
    const dir = mkdtempSync(join(tmpdir(), 'dd-'));
    const full = await trainStage1(cfg, join(dir, 'a'), { quiet: true });
    const first = await trainStage1(cfg, join(dir, 'b'), { quiet: true, stopAt: 13 });
    const rest = await trainStage1(cfg, join(dir, 'b'), { quiet: true, resume: true });
    assert.equal(first.losses.length + rest.losses.length, 30);
    assert.deepEqual([...first.losses, ...rest.losses], full.losses);
    const ck = (run: string) => readFileSync(join(dir, run, 'checkpoint.safetensors'));
    assert.ok(ck('a').equals(ck('b')), 'the checkpoints (weights, EMA, Adam, RNG, data position, code usage) are identical');
    // The split run logs one more row, at step 13, so its row at 15 covers steps 14–15 only.
    const rows = (run: string) => readFileSync(join(dir, run, 'metrics.jsonl'), 'utf8').trim().split('\n')
      .map((l) => { const { stepsPerSec: _, ...row } = JSON.parse(l); return row; });
    const a = rows('a'), b = rows('b');
    assert.deepEqual(b.map((r) => r.step), [5, 10, 13, 15, 20, 25, 30]);
    assert.deepEqual(b.filter((r) => r.step !== 13 && r.step !== 15), a.filter((r) => r.step !== 15));
    if (isotropic) assert.ok(a.some((r) => r.restarts > 0), 'codes were restarted');
    assert.equal(a[0].lossBySigma.length, 9);
    assert.equal(a[0].codesUsed.length, 2);
    // Starting over a trained run is refused.
    await assert.rejects(trainStage1(cfg, join(dir, 'a'), { quiet: true }), /already holds a trained run/);
  });
}

test('Stage II and sampling run on a trained run; outputs have the promised shapes', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'dd-')), 'run');
  await trainStage1(tiny(10), dir, { quiet: true });
  const r = await trainPrior(dir, { quiet: true });
  assert.ok(Number.isFinite(r.finalLoss));
  const L = loadRun(dir);
  const prior = { model: loadPrior(L.run, L.cfg, 0), temperature: L.cfg.prior.temperature };
  const g = generate(L.model, L.info, { n: 50, seed: 1, sample: L.cfg.sample, prior, batch: 20 });
  assert.deepEqual(g.x.shape, [50, 2]);
  assert.deepEqual(g.codes!.shape, [50, 2]);
  assert.equal(g.codes!.dtype, 'int64');
  assert.equal(g.nfe, 15);
  // Same seed → same samples, regardless of batching.
  const g2 = generate(L.model, L.info, { n: 50, seed: 1, sample: L.cfg.sample, prior, batch: 50 });
  assert.deepEqual(g2.codes!.toFlatArray(), g.codes!.toFlatArray());
});

test('a corrupt or truncated checkpoint gives a clear error', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'dd-')), 'run');
  await trainStage1(tiny(3, false), dir, { quiet: true });
  const ck = join(dir, 'checkpoint.safetensors');
  truncateSync(ck, Math.floor(statSync(ck).size / 2));
  assert.throws(() => loadRun(dir), /corrupt safetensors file .*truncated/);
  writeFileSync(ck, Buffer.from('\x10\x00\x00\x00\x00\x00\x00\x00not json at all!'));
  assert.throws(() => loadRun(dir), /corrupt safetensors file .*not valid JSON/);
  assert.throws(() => loadRun(join(dir, 'nope')), /run directory not found/);
});

test('config overrides (--set key.path=value) parse JSON values and name bad paths', () => {
  const raw: Record<string, unknown> = { latents: { k: 8 }, model: { kind: 'mlp' } };
  applyOverrides(raw, ['latents.k=16', 'model.latentInput=none', 'train.lr=0.002', 'latents.hard=false']);
  assert.deepEqual(raw, { latents: { k: 16, hard: false }, model: { kind: 'mlp', latentInput: 'none' }, train: { lr: 0.002 } });
  assert.throws(() => applyOverrides(raw, ['latents.k']), /expected key\.path=value/);
  assert.throws(() => applyOverrides(raw, ['latents.k.x=1']), /k is not an object/);
});

test('config errors name the key', () => {
  assert.throws(() => parseConfig({ data: { kind: 'toy' }, model: { kind: 'mlp' }, trian: {} }), /Unrecognized key.*trian/);
  assert.throws(() => parseConfig({ data: { kind: 'toy' }, model: { kind: 'mlp', hidden: -3 } }), /model\.hidden/);
  assert.throws(() => parseConfig({ data: { kind: 'csv' }, model: { kind: 'mlp' } }), /data\.kind/);
});

test('--init-from copies a plain EDM run\'s weights into the shared tensors; new modules start fresh', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dd-'));
  const edmCfg = parseConfig({ ...tiny(4, false), model: { kind: 'mlp', hidden: 32, layers: 3, embDim: 16, latentInput: 'embedding' } });
  await trainStage1(edmCfg, join(dir, 'edm'), { quiet: true });
  const keys = ['denoiser.net.in_x.weight', 'denoiser.net.mlp.0.bias'];
  let first: Map<string, number[]> | null = null;
  await trainStage1(tiny(1), join(dir, 'disco'), { quiet: true, initFrom: join(dir, 'edm'),
    onStep: ({ model }) => { first ??= new Map(keys.map((k) => [k, model.stateDict().get(k)!.toFlatArray()])); } });
  const edmSd = loadRun(join(dir, 'edm')).model.stateDict();
  for (const k of keys) assert.deepEqual(first!.get(k), edmSd.get(k)!.toFlatArray(), k);
  // A network of another shape is refused with the offending tensor named.
  const wide = parseConfig({ ...tiny(2), model: { kind: 'mlp', hidden: 48, layers: 3, embDim: 16 } });
  await assert.rejects(trainStage1(wide, join(dir, 'wide'), { quiet: true, initFrom: join(dir, 'edm') }),
    /--init-from .*differs.*other shape: denoiser\.net/);
});
