// The analytic per-code Gaussian skip term: closed form, gradients (float64, finite differences), dropout.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, rand, randint, randn, setNumThreads, tensor, tidy } from '../../src/engine/index.js';
import { codeCentres, gaussianSkip } from '../../src/disco/gaussian-skip.js';
import { edmCoefficients } from '../../src/edm/precond.js';
import { gradcheck } from '../engine/gradcheck.js';

before(() => setNumThreads(1));
const f64 = { dtype: 'float64' as const };

test('gaussianSkip = mean over latents of Σ_j z_j(μ_j + s_j²/(s_j² + σ²)(x − μ_j)); c_skip·x where dropped', () => tidy(() => {
  manualSeed(1);
  const B = 3, m = 2, k = 4, shape = [B, 1, 2, 3], d = 6, sd = 0.5;
  const x = randn(shape, f64), sigma = tensor([0.1, 1, 30], f64).view(B, 1, 1, 1);
  const z = rand([B, m, k], f64).softmax(-1); // relaxed one-hots: the formula is linear in z
  const means = randn([m, k, d], f64), logStds = randn([m, k], f64).mul(0.3);
  const { cSkip } = edmCoefficients(sigma, sd);
  const got = gaussianSkip(x, sigma, cSkip, z, { means, logStds }).reshape(B, d).toArray() as number[][];
  const [X, S, Z, M, L] = [x.reshape(B, d).toArray(), sigma.toFlatArray(), z.toArray(), means.toArray(), logStds.toArray()] as
    [number[][], number[], number[][][], number[][][], number[][]];
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < d; t++) {
      let want = 0;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < k; j++) {
          const v = Math.exp(2 * L[i]![j]!), mu = M[i]![j]![t]!;
          want += (Z[b]![i]![j]! * (mu + (v / (v + S[b]! ** 2)) * (X[b]![t]! - mu))) / m;
        }
      }
      assert.ok(Math.abs(got[b]![t]! - want) < 1e-12, `b ${b} t ${t}: ${got[b]![t]} vs ${want}`);
    }
  }
  // Dropped rows and absent latents: EDM's c_skip·x.
  const drop = tensor([1, 0, 1]).gt(0);
  const mixed = gaussianSkip(x, sigma, cSkip, z, { means, logStds }, drop);
  const plain = gaussianSkip(x, sigma, cSkip, null, { means, logStds });
  const cskip = x.mul(sigma.square().add(sd * sd).rdiv(sd * sd));
  assert.ok(plain.sub(cskip).abs().max().item() < 1e-15);
  const rowDiff = mixed.sub(plain).abs().flatten(1).max(1).toFlatArray();
  assert.deepEqual(rowDiff.map((v) => v === 0), [true, false, true]);
}));

test('gaussianSkip gradients (x, z, centres, log-stds) match finite differences', () => tidy(() => {
  manualSeed(2);
  const B = 2, m = 2, k = 3, d = 4;
  const x = randn([B, d], f64).requiresGrad_(), sigma = tensor([0.3, 2], f64).view(B, 1);
  const z = F.oneHot(randint(0, k, [B, m]), k).to(f64).add(rand([B, m, k], f64).mul(0.1)).requiresGrad_();
  const means = randn([m, k, d], f64).requiresGrad_(), logStds = randn([m, k], f64).mul(0.3).requiresGrad_();
  const { cSkip } = edmCoefficients(sigma, 0.5);
  gradcheck(() => gaussianSkip(x, sigma, cSkip, z, { means, logStds }), [x, z, means, logStds]);
}));

test('codeCentres is the mean over latents of the chosen centres; zeros where dropped or absent', () => tidy(() => {
  manualSeed(3);
  const B = 3, m = 2, k = 4, d = 5;
  const z = F.oneHot(randint(0, k, [B, m]), k).to(f64);
  const means = randn([m, k, d], f64);
  const codes = z.argmax(2).toArray() as number[][], M = means.toArray() as number[][][];
  const drop = tensor([0, 1, 0]).gt(0);
  const c = codeCentres(z, means, B, drop).toArray() as number[][];
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < d; t++) {
      const mu = b === 1 ? 0 : (M[0]![codes[b]![0]!]![t]! + M[1]![codes[b]![1]!]![t]!) / 2;
      assert.ok(Math.abs(c[b]![t]! - mu) < 1e-12);
    }
  }
  assert.equal(codeCentres(null, means, B).abs().max().item(), 0);
}));
