// latents.routeInit: the encoder fitted to route points to their k-means centres before Stage I.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '../../../src/engine/index.js';
import { parseConfig } from '../../../src/config/load.js';
import { createModel } from '../../../src/networks/build.js';
import { AnalyticCodebook } from '../../../src/disco/codebook/analytic-codebook.js';
import { gaussianGrid } from '../../../src/data/toy.js';
import { latentPurity } from '../../../src/metrics/modes.js';

/** Codes used and purity of a fresh model's encoder on the 5×5 grid after the codebook's start with `routeInit` steps. */
function start(routeInit: number): { used: number; purity: number } {
  const cfg = parseConfig({ data: { kind: 'toy', name: 'grid' }, model: { kind: 'mlp', hidden: 32, layers: 3, embDim: 16 },
    latents: { k: 25, routeInit }, encoder: { kind: 'mlp', hidden: 64, layers: 2 }, train: { seed: 0 } });
  const data = gaussianGrid(4000, new Generator(1));
  const model = createModel(cfg, { shape: [2], numClasses: 0, sigmaData: 1 });
  AnalyticCodebook.of(model, cfg.latents, 1000)!.init(data.x, new Generator(2));
  const codes = model.extractLatents(data.x).codes.select(1, 0);
  const r = { used: new Set(codes.toFlatArray()).size, purity: latentPurity(codes, data.labels).purity };
  model.dispose();
  return r;
}

test('routeInit: after 300 steps the encoder routes the 25 grid modes to 25 codes; a random encoder uses far fewer', () => {
  const fitted = start(300), random = start(0);
  assert.equal(fitted.used, 25);
  assert.ok(fitted.purity > 0.95, `purity ${fitted.purity}`);
  assert.ok(random.used < 20 && random.purity < 0.8, `random encoder: ${random.used} codes, purity ${random.purity}`);
});
