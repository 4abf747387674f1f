import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy } from '../../src/engine/index.js';
import { codeStats, latentPurity, modeStats } from '../../src/metrics/modes.js';

const centers = [[0, 0], [4, 0]];

test('modeStats: off-mode fraction, weights and weight error on a hand-made set', () => {
  const pts = [[0.1, 0], [0, -0.5], [3.9, 0.2], [4, 0], [4.5, 0], [2, 0], [0, 1.5], [10, 10]];
  const s = tidy(() => modeStats(tensor(pts), centers, { std: 0.2 }));   // radius 1.0
  assert.equal(s.offModeFraction, 3 / 8);
  assert.deepEqual(s.counts, [2, 3]);
  assert.deepEqual(s.weights, [0.4, 0.6]);
  assert.ok(Math.abs(s.maxWeightError - 0.1) < 1e-12);
  assert.equal(s.missingModes, 0);
  const t = modeStats({ data: [0, 0, 0.5, 0], dim: 2 }, centers, { radius: 0.3, trueWeights: [1, 0] });
  assert.equal(t.offModeFraction, 0.5);
  assert.deepEqual(t.weights, [1, 0]);
  assert.equal(t.maxWeightError, 0);
  assert.equal(t.missingModes, 1);
});

test('latentPurity: table, purity and inverse purity', () => {
  //           codes:  7  7  7  2  2  9   labels: 0 0 1 1 1 1
  const p = latentPurity([7, 7, 7, 2, 2, 9], tidy(() => tensor([0, 0, 1, 1, 1, 1], { dtype: 'int64' })));
  assert.deepEqual(p.codes, [2, 7, 9]);
  assert.deepEqual(p.labels, [0, 1]);
  assert.deepEqual(p.table, [[0, 2], [2, 1], [0, 1]]);
  assert.equal(p.purity, (2 + 2 + 1) / 6);
  assert.equal(p.inversePurity, (2 + 2) / 6);
  assert.equal(latentPurity([0, 1, 2], [5, 5, 5]).purity, 1);
  assert.throws(() => latentPurity([0], [0, 1]), /1 codes vs 2 labels/);
});

test('codeStats: counts, used codes and entropy', () => {
  const u = codeStats([0, 0, 1, 3], 5);
  assert.deepEqual(u.counts, [2, 1, 0, 1, 0]);
  assert.equal(u.used, 3);
  const h = -(0.5 * Math.log(0.5) + 2 * 0.25 * Math.log(0.25));
  assert.ok(Math.abs(u.entropy - h) < 1e-12);
  assert.ok(Math.abs(codeStats([0, 1, 2, 3]).perplexity - 4) < 1e-9);
  assert.throws(() => codeStats([5], 3), /outside/);
});

test('modeStats with covariances: off-mode beyond 5 standard deviations in the Mahalanobis metric of the nearest mode', () => {
  // One mode at the origin, std 0.5 along x and 0.1 along y.
  const cov = [[[0.25, 0], [0, 0.01]]];
  const pts = tensor([[2.0, 0], [0, 0.4], [0, 0.6], [2.6, 0]]); // 4σ, 4σ, 6σ, 5.2σ
  const s = modeStats(pts, [[0, 0]], { covariances: cov });
  assert.equal(s.offModeFraction, 0.5);
  assert.deepEqual(s.counts, [2]);
  // The isotropic radius 5·0.2 = 1 would call the far points along x off-mode and the one across on-mode.
  assert.equal(modeStats(pts, [[0, 0]], { std: 0.2 }).offModeFraction, 0.5);
  assert.deepEqual(modeStats(tensor([[2.0, 0]]), [[0, 0]], { std: 0.2 }).counts, [0]);
  assert.throws(() => modeStats(pts, [[0, 0]], { covariances: [[[1, 1], [1, 1]]] }), /singular/);
});
