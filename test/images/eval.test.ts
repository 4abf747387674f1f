// `eval` of an image run: with the run's own sampler it measures everything; with --steps/--sampler/
// --restart (a low-NFE check) or extras: false it skips what does not depend on the sampler (loss vs
// σ, consistency). The image demo on a pair of tiny runs laid out as models/ is.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateImageRun, groupSwitchEffect, testReference } from '../../src/eval/images.js';
import { loadPrior, loadRun } from '../../src/train/load-run.js';
import type { ImageReference } from '../../src/metrics/fmnist-classifier.js';
import { runImageDemo } from '../../src/eval/image-demo.js';
import { parseConfig } from '../../src/config/load.js';
import { trainStage1 } from '../../src/train/stage1.js';
import { IMAGE_CONFIG, trainRun } from '../serve/runs.js';

const dir = mkdtempSync(join(tmpdir(), 'dd-eval-images-'));
/** One trained run and its test split's features, shared by both tests. */
let trained = '';
let reference: ImageReference | undefined;
before(async () => { trained = await trainRun(dir, 'run', IMAGE_CONFIG); });
after(() => {
  reference?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('image eval: loss vs σ and consistency with the run\'s sampler only; overrides set the NFE', async () => {
  const run = trained;
  reference = testReference(run);
  const own = await evaluateImageRun(run, { n: 40, reference });
  assert.equal(own.nfe, 2 * 6 - 1);
  assert.equal(own.lossVsSigma.sigma.length, 10);
  assert.equal(own.lossVsSigma.loss.length, 10);
  assert.ok(own.consistency);
  assert.equal(own.groupSwitch, null, 'one latent group: nothing to switch');
  assert.ok(own.recognisable && own.recognisable.samples >= 0 && own.recognisable.samples <= 1 && own.recognisable.reference > 0, JSON.stringify(own.recognisable));
  const quick = await evaluateImageRun(run, { n: 40, extras: false, reference });
  assert.deepEqual([quick.lossVsSigma.sigma.length, quick.consistency], [0, null]);
  assert.equal(quick.nfe, own.nfe);
  const low = await evaluateImageRun(run, { n: 40, reference, steps: 4, restart: [{ tMin: 0.5, tMax: 3, K: 2, steps: 1 }] });
  assert.equal(low.nfe, 2 * 4 - 1 + 2 * 2 * 1);
  assert.equal(low.sampler, 'restart');
  assert.deepEqual(low.lossVsSigma, { sigma: [], loss: [] });
  assert.equal(low.consistency, null);
  assert.ok(Number.isFinite(low.fd) && low.codePerplexity?.length === 2);
  assert.deepEqual(JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')).lossVsSigma, { sigma: [], loss: [] });
});

test('group-hierarchical latents: per group and for all latents, the share of labels and the pixels a switch changes', async () => {
  const run = await trainRun(dir, 'groups', { ...IMAGE_CONFIG, name: 'groups', model: { ...IMAGE_CONFIG.model, latentGroups: [1, 1] } });
  const L = loadRun(run), prior = loadPrior(L.run, L.cfg, 0);
  try {
    const rows = groupSwitchEffect(L, prior, [1, 1], { n: 24, seed: 0, batch: 24, group: null });
    assert.deepEqual(rows.map((r) => [r.group, r.latents, r.pairs]), [['group 0', 1, 24], ['group 1', 1, 24], ['all', 2, 24]]);
    for (const r of rows) assert.ok(r.labelChange >= 0 && r.labelChange <= 1 && r.pixelChange >= 0, JSON.stringify(r));
    assert.ok(rows[2]!.pixelChange > 0, 'switching every latent changes the samples');
    assert.throws(() => groupSwitchEffect(L, prior, [2, 1], { n: 4, seed: 0, batch: 4, group: null }), /group codes must be \[·, 3\]/);
  } finally {
    prior.dispose();
    L.model.dispose();
  }
});

test('demo --images on a models/ folder: report, metrics and figures of both arms; models/ left as it was', async () => {
  const models = join(dir, 'models');
  cpSync(trained, join(models, 'fmnist-disco'), { recursive: true, filter: (f) => !f.endsWith('metrics.json') });
  await trainStage1(parseConfig({ ...IMAGE_CONFIG, name: 'edm', latents: { enabled: false } }), join(models, 'fmnist-edm'), { quiet: true });
  const out = join(dir, 'demo');
  const m = await runImageDemo(out, { models, n: 20 });
  assert.ok(Number.isFinite(m.edm.fd) && Number.isFinite(m.disco.fd));
  for (const f of ['report.md', 'edm/metrics.json', 'edm/figures/samples.png', 'disco/figures/shared-latents.png',
    'disco/figures/latent-switching.png', 'disco/figures/code-means.png']) assert.ok(existsSync(join(out, f)), f);
  assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /\| DisCo-Diff \| 60 \| \d+\.\d \| 11 \| \d+\.\d% \|/);
  assert.ok(!existsSync(join(models, 'fmnist-disco', 'metrics.json')), 'the shipped folder is not written to');
});
