// `eval` of an image run: with the run's own sampler it measures everything; with --steps/--sampler/
// --restart (a low-NFE check) it skips what does not depend on the sampler (loss vs σ, consistency).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateImageRun } from '../../src/eval/images.js';
import { IMAGE_CONFIG, trainRun } from '../serve/runs.js';

const dir = mkdtempSync(join(tmpdir(), 'dd-eval-images-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('image eval: loss vs σ and consistency with the run\'s sampler only; overrides set the NFE', async () => {
  const run = await trainRun(dir, 'run', IMAGE_CONFIG);
  const own = await evaluateImageRun(run, { n: 40 });
  assert.equal(own.nfe, 2 * 6 - 1);
  assert.equal(own.lossVsSigma.sigma.length, 10);
  assert.equal(own.lossVsSigma.loss.length, 10);
  assert.ok(own.consistency);
  const low = await evaluateImageRun(run, { n: 40, steps: 4, restart: [{ tMin: 0.5, tMax: 3, K: 2, steps: 1 }] });
  assert.equal(low.nfe, 2 * 4 - 1 + 2 * 2 * 1);
  assert.equal(low.sampler, 'restart');
  assert.deepEqual(low.lossVsSigma, { sigma: [], loss: [] });
  assert.equal(low.consistency, null);
  assert.ok(Number.isFinite(low.fd) && low.codePerplexity?.length === 2);
  assert.deepEqual(JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')).lossVsSigma, { sigma: [], loss: [] });
});
