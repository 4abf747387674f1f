// The codebook remedies inside Stage I: k-means start, EMA refit and restarts on a real run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator } from '../../../src/engine/index.js';
import { parseConfig } from '../../../src/config/load.js';
import { createModel } from '../../../src/networks/build.js';
import { AnalyticCodebook } from '../../../src/disco/codebook/analytic-codebook.js';
import { eightGaussians } from '../../../src/data/toy.js';
import { trainStage1 } from '../../../src/train/stage1.js';
import { nearestTrue } from './fixtures.js';

test("centreInit 'kmeans' puts one code on each of the 8 modes with its spread; 'random' leaves the centres alone", () => {
  const cfg = parseConfig({ data: { kind: 'toy' }, model: { kind: 'mlp', hidden: 16, layers: 2, embDim: 8, codeModes: 1, codeCovariance: 'isotropic' } });
  const data = eightGaussians(2000, new Generator(1));
  const info = { shape: [2], numClasses: 0, sigmaData: 1 };
  const model = createModel(cfg, info);
  const book = AnalyticCodebook.of(model, cfg.latents, 100)!;
  book.init(data.x, new Generator(2));
  const mu = book.means.toArray() as number[][][];
  const owners = new Set(mu[0]!.map((c) => { assert.ok(nearestTrue(c) < 0.05, `centre ${c}`); return c.join(); }));
  assert.equal(owners.size, 8);
  for (const s of book.logStds!.exp().toFlatArray()) assert.ok(Math.abs(s - 0.2) < 0.02, `scale ${s}`);
  const random = AnalyticCodebook.of(createModel(cfg, info), { ...cfg.latents, centreInit: 'random' }, 100)!;
  const before = random.means.toFlatArray();
  random.init(data.x, new Generator(2));
  assert.deepEqual(random.means.toFlatArray(), before);
});

test('a run with every latent remedy on resumes exactly and logs perplexity, diversity and restarts', async () => {
  const cfg = (steps: number) => parseConfig({
    data: { kind: 'toy', name: '8gaussians', n: 800 },
    model: { kind: 'mlp', hidden: 32, layers: 3, embDim: 16 },
    latents: { m: 1, k: 8, tauEnd: 0.5, diversity: 0.1, centreInit: 'kmeans', restartEvery: 3, restartUntil: 0.8 },
    encoder: { kind: 'mlp', hidden: 32, layers: 2 },
    train: { steps, batch: 64, warmupSteps: 5, logEvery: 5, checkpointEvery: 7, seed: 4, encoderLrScale: 0.5 },
  });
  const dir = mkdtempSync(join(tmpdir(), 'dd-'));
  const full = await trainStage1(cfg(30), join(dir, 'a'), { quiet: true });
  const first = await trainStage1(cfg(30), join(dir, 'b'), { quiet: true, stopAt: 11 });
  const rest = await trainStage1(cfg(30), join(dir, 'b'), { quiet: true, resume: true });
  assert.deepEqual([...first.losses, ...rest.losses], full.losses);
  const log = readFileSync(join(dir, 'a', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(log[0].perplexity.length, 1);
  assert.ok(log[0].perplexity[0] >= 1 && log[0].perplexity[0] <= 8);
  assert.ok(log[0].regularisers > 0);
});

test('model.codeModes = 2 with 4 codes on 8 modes: each code\'s two components start on its two modes; they follow the EMA, not Adam; resume is exact', async () => {
  const cfg = parseConfig({ data: { kind: 'toy' }, model: { kind: 'mlp', hidden: 16, layers: 2, embDim: 8, codeModes: 2, codeCovariance: 'isotropic' },
    latents: { k: 4 } });
  const data = eightGaussians(2000, new Generator(1));
  const model = createModel(cfg, { shape: [2], numClasses: 0, sigmaData: 1 });
  const book = AnalyticCodebook.of(model, cfg.latents, 100)!;
  assert.ok(book.mixtures);
  book.init(data.x, new Generator(2));
  const comps = (book.mixtures.means.toArray() as number[][][][])[0]!.flat();
  assert.equal(comps.length, 8);
  assert.equal(new Set(comps.map((c) => { assert.ok(nearestTrue(c) < 0.05, `component ${c}`); return c.map((v) => v.toFixed(1)).join(); })).size, 8);
  assert.ok(['denoiser.net.sub_means', 'denoiser.net.sub_log_stds', 'denoiser.net.sub_log_weights'].every((n) => book.frozen(n)));
  assert.equal(book.mixtures.means.requiresGrad, false);
  model.dispose();

  const run = (steps: number) => parseConfig({
    data: { kind: 'toy', name: '8gaussians', n: 800 }, model: { kind: 'mlp', hidden: 32, layers: 3, embDim: 16, codeModes: 2, codeCovariance: 'isotropic' },
    latents: { m: 1, k: 4, restartEvery: 3, restartUntil: 0.8 }, encoder: { kind: 'mlp', hidden: 32, layers: 2 },
    train: { steps, batch: 64, warmupSteps: 5, logEvery: 5, checkpointEvery: 7, seed: 4 },
  });
  const dir = mkdtempSync(join(tmpdir(), 'dd-'));
  const whole = await trainStage1(run(20), join(dir, 'a'), { quiet: true });
  const first = await trainStage1(run(20), join(dir, 'b'), { quiet: true, stopAt: 9 });
  const rest = await trainStage1(run(20), join(dir, 'b'), { quiet: true, resume: true });
  assert.deepEqual([...first.losses, ...rest.losses], whole.losses);
});
