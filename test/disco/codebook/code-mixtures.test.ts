// Per-code mixtures of the analytic skip (model.codeModes > 1): the skip is each code's exact mixture
// denoiser, its gradients match finite differences, and the EM refit / restarts move the components.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { F, Generator, full, manualSeed, rand, randint, randn, setNumThreads, tensor, tidy, zeros } from '../../../src/engine/index.js';
import { gaussianSkip } from '../../../src/disco/gaussian-skip.js';
import { initMixtures, moveMixtures, refitMixtures } from '../../../src/disco/codebook/code-mixtures.js';
import { edmCoefficients } from '../../../src/edm/precond.js';
import { mixtureDenoiser } from '../../../src/edm/gmm.js';
import { gradcheck } from '../../engine/gradcheck.js';

before(() => setNumThreads(1));
const f64 = { dtype: 'float64' as const };

test('with a mixture per code, the skip of a one-hot z is that code\'s exact mixture denoiser (src/edm/gmm.ts)', () => tidy(() => {
  manualSeed(4);
  const B = 5, m = 1, k = 3, c = 2, d = 2, std = 0.3;
  const subMeans = randn([m, k, c, d], f64).mul(2), subLogStds = full([m, k, c], Math.log(std), f64);
  const weights = [[0.3, 0.7], [0.5, 0.5], [0.9, 0.1]];
  const subLogWeights = tensor([weights.map((w) => w.map(Math.log))], f64);
  const x = randn([B, d], f64).mul(2), code = [0, 1, 2, 1, 0];
  const z = F.oneHot(tensor(code.map((j) => [j]), { dtype: 'int64' }), k).to(f64);
  for (const s of [0.05, 0.7, 5]) {
    const sigma = full([B, 1], s, f64);
    const { cSkip } = edmCoefficients(sigma, 0.5);
    const got = gaussianSkip(x, sigma, cSkip, z, { means: zeros([m, k, d], f64), logStds: zeros([m, k], f64), subMeans, subLogStds, subLogWeights });
    const M = subMeans.toArray() as number[][][][];
    code.forEach((j, b) => {
      const want = mixtureDenoiser({ centers: M[0]![j]!, std, weights: weights[j] })(x.slice(0, b, b + 1), s);
      assert.ok(got.slice(0, b, b + 1).sub(want).abs().max().item() < 1e-10, `σ ${s}, row ${b}`);
    });
  }
}));

test('the mixture skip\'s gradients (x, z, component means, log-stds, log-weights) match finite differences', () => tidy(() => {
  manualSeed(5);
  const B = 2, m = 2, k = 2, c = 2, d = 2;
  const x = randn([B, d], f64).requiresGrad_(), sigma = tensor([0.4, 1.5], f64).view(B, 1);
  const z = F.oneHot(randint(0, k, [B, m]), k).to(f64).add(rand([B, m, k], f64).mul(0.1)).requiresGrad_();
  const subMeans = randn([m, k, c, d], f64).requiresGrad_(), subLogStds = randn([m, k, c], f64).mul(0.3).requiresGrad_();
  const subLogWeights = randn([m, k, c], f64).requiresGrad_();
  const { cSkip } = edmCoefficients(sigma, 0.5);
  const codes = { means: zeros([m, k, d], f64), logStds: zeros([m, k], f64), subMeans, subLogStds, subLogWeights };
  gradcheck(() => gaussianSkip(x, sigma, cSkip, z, codes), [x, z, subMeans, subLogStds, subLogWeights]);
  // Dropped rows fall back to c_skip·x.
  const drop = tensor([1, 0]).gt(0);
  const mixed = gaussianSkip(x, sigma, cSkip, z, codes, drop), plain = gaussianSkip(x, sigma, cSkip, null, codes);
  assert.equal(mixed.slice(0, 0, 1).sub(plain.slice(0, 0, 1)).abs().max().item(), 0);
}));

/** n points of each cluster (centres, std), all held by code 0 of one latent. */
function heldByCode0(centres: number[][], std: number, n: number, seed: number) {
  const g = new Generator(seed);
  const x = tidy(() => tensor(centres.flatMap((c) => Array(n).fill(c))).add(randn([n * centres.length, 2], { generator: g }).mul(std)));
  return { x, codes: zeros([x.size(0), 1], { dtype: 'int64' }), g };
}

test('refitMixtures: two separated clusters in one code end as its two components; one Gaussian stays one Gaussian in mean and variance', () => {
  const two = heldByCode0([[-2, 0], [2, 0]], 0.2, 300, 1);
  const mix = { means: tensor([[[[-0.5, 0.3], [0.5, -0.3]], [[9, 9], [9, 9]]]]), logStds: zeros([1, 2, 2]), logWeights: full([1, 2, 2], Math.log(0.5)) };
  for (let i = 0; i < 60; i++) refitMixtures(mix, two.x, two.codes, 0.8, 1e-3);
  const mu = (mix.means.toArray() as number[][][][])[0]![0]!.map((p) => p[0]!).sort((a, b) => a - b);
  assert.ok(Math.abs(mu[0]! + 2) < 0.05 && Math.abs(mu[1]! - 2) < 0.05, `components at ${mu}`);
  const s = mix.logStds.exp().toArray() as number[][][];
  assert.ok(s[0]![0]!.every((v) => Math.abs(v - 0.2) < 0.03), `scales ${s[0]![0]}`);
  assert.ok((mix.logWeights.softmax(2).toArray() as number[][][])[0]![0]!.every((w) => Math.abs(w - 0.5) < 0.05));
  assert.deepEqual((mix.means.toArray() as number[][][][])[0]![1], [[9, 9], [9, 9]], 'a code without points keeps its components');

  // One Gaussian cluster: the components may split it, but the mixture keeps its mean and variance.
  const one = heldByCode0([[1, -1]], 0.5, 600, 2);
  const g = new Generator(3);
  const mix1 = { means: zeros([1, 1, 2, 2]), logStds: zeros([1, 1, 2]), logWeights: zeros([1, 1, 2]) };
  initMixtures(mix1, [tidy(() => one.x.toArray() as number[][])], g, 1e-3);
  for (let i = 0; i < 100; i++) refitMixtures(mix1, one.x, one.codes.slice(0, 0, one.x.size(0)), 0.8, 1e-3);
  const w = mix1.logWeights.softmax(2).toFlatArray(), M = (mix1.means.toArray() as number[][][][])[0]![0]!;
  const v = mix1.logStds.mul(2).exp().toFlatArray();
  const mean = [0, 1].map((t) => w[0]! * M[0]![t]! + w[1]! * M[1]![t]!);
  const variance = [0, 1].map((t) => w[0]! * (v[0]! + M[0]![t]! ** 2) + w[1]! * (v[1]! + M[1]![t]! ** 2) - mean[t]! ** 2);
  assert.ok(Math.abs(mean[0]! - 1) < 0.06 && Math.abs(mean[1]! + 1) < 0.06, `mixture mean ${mean}`);
  assert.ok(variance.every((s2) => Math.abs(s2 - 0.25) < 0.05), `mixture variance ${variance}`);
  for (const t of [two.x, two.codes, one.x, one.codes]) t.dispose();
  two.g.dispose(); one.g.dispose(); g.dispose();
});

test('moveMixtures restarts a moved code\'s components about its new centre with equal weights; other codes stay', () => {
  const g = new Generator(7);
  const mix = { means: zeros([1, 2, 3, 2]), logStds: zeros([1, 2, 3]), logWeights: tensor([[[0, -5, -5], [0, -5, -5]]]) };
  moveMixtures(mix, [{ latent: 0, code: 1, centre: [4, -4], std: 0.1, reason: 'dead' }], g, 1e-3);
  const M = (mix.means.toArray() as number[][][][])[0]!;
  assert.ok(M[1]!.every((p) => Math.hypot(p[0]! - 4, p[1]! + 4) < 0.5), `components ${JSON.stringify(M[1])}`);
  assert.notDeepEqual(M[1]![0], M[1]![1], 'the components start apart, so EM can separate them');
  assert.deepEqual(M[0], [[0, 0], [0, 0], [0, 0]]);
  const w = (mix.logWeights.softmax(2).toArray() as number[][][])[0]!;
  assert.ok(w[1]!.every((v) => Math.abs(v - 1 / 3) < 1e-6) && w[0]![0]! > 0.9);
  assert.ok((mix.logStds.exp().toArray() as number[][][])[0]![1]!.every((s) => Math.abs(s - 0.1) < 1e-6));
  g.dispose();
});
