import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, randn, tensor, tidy } from '../../src/engine/index.js';
import { OFF_MODE_TAIL, chiSquareQuantile, codeStats, latentPurity, mixtureFromLabels, modeStats, withinModeW2 } from '../../src/metrics/modes.js';
import { w2 } from '../../src/metrics/ot.js';

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

test('withinModeW2: the modes\' counts do not enter it; each mode is matched within itself and weighted by the true weights', () => {
  const far = [[0, 0], [10, 0]];
  // The same points per mode, but 3:1 against 1:3: the plain W2 must move mass 10 units; within modes it is 0.
  const a = tensor([[0, 0], [0.1, 0], [0.2, 0], [10, 0]]), b = tensor([[0, 0], [10, 0], [10.1, 0], [10.2, 0]]);
  const r = withinModeW2(a, b, { centers: far });
  assert.equal(r.w2, 0);
  assert.deepEqual(r.perMode, [0, 0]);
  assert.ok(Math.abs(r.weightTV - 0.5) < 1e-12);
  assert.ok(w2(a, b) > 5);
  // Mode 0's first points differ by 0.3, mode 1's agree: W2² = w_0 · 0.09.
  const c = tensor([[0.3, 0], [10, 0]]), d = tensor([[0, 0], [10, 0]]);
  assert.ok(Math.abs(withinModeW2(c, d, { centers: far }).w2 - Math.sqrt(0.5 * 0.09)) < 1e-6);
  assert.ok(Math.abs(withinModeW2(c, d, { centers: far, trueWeights: [0.8, 0.2] }).w2 - Math.sqrt(0.8 * 0.09)) < 1e-6);
  // A mode one set never reaches is left out of the average (the weights' TV shows it).
  const e = withinModeW2(tensor([[0.3, 0], [0.3, 0]]), d, { centers: far });
  assert.ok(Math.abs(e.w2 - 0.3) < 1e-6);
  assert.ok(Number.isNaN(e.perMode[1]!));
  assert.ok(Math.abs(e.weightTV - 0.5) < 1e-12);
  assert.throws(() => withinModeW2(a, tensor([[0, 0, 0]]), { centers: far }), /dims differ/);
});

test('mixtureFromLabels: each component\'s mean, covariance and share', () => {
  const m = mixtureFromLabels({ data: [0, 0, 2, 0, 10, 10, 10, 12, 10, 14], dim: 2 }, [0, 0, 1, 1, 1]);
  assert.deepEqual(m.centers, [[1, 0], [10, 12]]);
  assert.deepEqual(m.trueWeights, [0.4, 0.6]);
  const near = (x: number, y: number) => Math.abs(x - y) < 1e-6;
  assert.ok(near(m.covariances[0]![0]![0]!, 2) && near(m.covariances[0]![1]![1]!, 0) && near(m.covariances[0]![0]![1]!, 0));
  assert.ok(near(m.covariances[1]![1]![1]!, 4) && near(m.covariances[1]![0]![0]!, 0));
  assert.throws(() => mixtureFromLabels({ data: [0, 0], dim: 2 }, [0, 1]), /1 points vs 2 labels/);
});

test('chiSquareQuantile against tables; the off-mode radius is 5σ in 2-D and grows with D so a mode\'s own points stay on it', () => {
  for (const [d, tail, want] of [[1, 0.05, 3.841459], [10, 0.05, 18.307038], [32, 0.05, 46.194260], [2, 0.01, 9.210340]] as const) {
    assert.ok(Math.abs(chiSquareQuantile(d, tail) - want) < 1e-5, `χ²_${d} at ${tail}: ${chiSquareQuantile(d, tail)}`);
  }
  assert.ok(Math.abs(chiSquareQuantile(2, OFF_MODE_TAIL) - 25) < 1e-9);
  // 2000 points of N(0, I_32): with 5σ (squared distance 25) most would be off-mode.
  const g = new Generator(3);
  const pts = tidy(() => randn([2000, 32], { generator: g }));
  const origin = [new Array<number>(32).fill(0)];
  assert.ok(modeStats(pts, origin, { std: 1 }).offModeFraction < 0.001);
  assert.ok(modeStats(pts, origin, { covariances: [Array.from({ length: 32 }, (_, i) => Array.from({ length: 32 }, (_, j) => (i === j ? 1 : 0)))] }).offModeFraction < 0.001);
  assert.ok(modeStats(pts, origin, { radius: 5 }).offModeFraction > 0.6);
  pts.dispose();
  g.dispose();
});
