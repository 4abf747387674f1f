// `eval` of an image run: with the run's own sampler it measures everything; with --steps/--sampler/
// --restart (a low-NFE check) or extras: false it skips what does not depend on the sampler (loss vs
// σ, consistency). The image demo on a pair of tiny runs laid out as models/ is.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateImageRun, testReference } from '../../src/eval/images.js';
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
