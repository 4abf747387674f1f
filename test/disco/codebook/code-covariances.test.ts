// A full covariance per code (model.codeCovariance: full): the skip is each code's exact Gaussian
// denoiser μ + Σ(Σ + σ²I)⁻¹(x − μ), its gradients match finite differences, and the covariance
// starts at its cluster's, follows the EMA of the scatter and resets when a restart moves the code.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { F, eye, full, manualSeed, rand, randint, randn, setNumThreads, stack, tensor, tidy, zeros, type Tensor } from '../../../src/engine/index.js';
import { gaussianSkip } from '../../../src/disco/gaussian-skip.js';
import { initCovariances, moveCovariances, refitCovariances } from '../../../src/disco/codebook/code-covariances.js';
import { edmCoefficients } from '../../../src/edm/precond.js';
import { parseConfig } from '../../../src/config/load.js';
import { gradcheck } from '../../engine/gradcheck.js';

before(() => setNumThreads(1));
const f64 = { dtype: 'float64' as const };

/** Σ = U diag(λ) Uᵀ from axes [.., d, d] and log-variances [.., d]. */
const covOf = (axes: Tensor, logVars: Tensor) => axes.mul(logVars.exp().unsqueeze(-2)).matmul(axes.transpose(-1, -2));

/** A random rotation in 2-D per code: [m, k, 2, 2]. */
function rotations(m: number, k: number): Tensor {
  const a = rand([m, k], f64).mul(2 * Math.PI), c = a.cos(), s = a.sin();
  return stack([stack([c, s.neg()], -1), stack([s, c], -1)], -2);
}

test('with a full covariance per code, the skip of a one-hot z is μ + Σ(Σ + σ²I)⁻¹(x − μ); isotropic Σ gives the isotropic skip', () => tidy(() => {
  manualSeed(21);
  const B = 6, m = 1, k = 3, d = 2;
  const means = randn([m, k, d], f64), cov = covOf(rotations(m, k), tensor([[[Math.log(0.25), Math.log(0.01)], [0, -1], [-2, 0.5]]], f64));
  const x = randn([B, d], f64).mul(2), code = [0, 1, 2, 2, 1, 0];
  const z = F.oneHot(tensor(code.map((j) => [j]), { dtype: 'int64' }), k).to(f64);
  const S = cov.toArray() as number[][][][], M = means.toArray() as number[][][], X = x.toArray() as number[][];
  for (const s of [0.05, 0.7, 5]) {
    const sigma = full([B, 1], s, f64);
    const { cSkip } = edmCoefficients(sigma, 0.5);
    const got = gaussianSkip(x, sigma, cSkip, z, { means, logStds: zeros([m, k], f64), cov }).toArray() as number[][];
    code.forEach((j, b) => {
      const [[a, bb], [, c]] = S[0]![j]! as [[number, number], [number, number]];
      // (Σ + σ²I)⁻¹ of a 2×2, then μ + Σ·that·(x − μ)
      const [p, q, r] = [a + s * s, bb, c + s * s], det = p * r - q * q;
      const inv = [[r / det, -q / det], [-q / det, p / det]];
      const u = [0, 1].map((t) => X[b]![t]! - M[0]![j]![t]!);
      const w = [0, 1].map((t) => inv[t]![0]! * u[0]! + inv[t]![1]! * u[1]!);
      const want = [M[0]![j]![0]! + a * w[0]! + bb * w[1]!, M[0]![j]![1]! + bb * w[0]! + c * w[1]!];
      [0, 1].forEach((t) => assert.ok(Math.abs(got[b]![t]! - want[t]!) < 1e-10, `σ ${s}, row ${b}: ${got[b]} vs ${want}`));
    });
    // Σ = s²I: the isotropic skip.
    const logStds = randn([m, k], f64).mul(0.3);
    const iso = { means, logStds, cov: eye(d, f64).mul(logStds.mul(2).exp().reshape(m, k, 1, 1)) };
    const diff = gaussianSkip(x, sigma, cSkip, z, iso).sub(gaussianSkip(x, sigma, cSkip, z, { means, logStds })).abs().max().item();
    assert.ok(diff < 1e-12, `isotropic Σ differs from the isotropic skip by ${diff}`);
  }
}));

test('the full-covariance skip\'s gradients (x, z, centres) match finite differences; dropped rows are c_skip·x', () => tidy(() => {
  manualSeed(22);
  const B = 3, m = 2, k = 2, d = 2;
  const x = randn([B, d], f64).requiresGrad_(), sigma = tensor([0.3, 1, 2], f64).view(B, 1);
  const z = F.oneHot(randint(0, k, [B, m]), k).to(f64).add(rand([B, m, k], f64).mul(0.1)).requiresGrad_();
  const means = randn([m, k, d], f64).requiresGrad_(), cov = covOf(rotations(m, k), randn([m, k, d], f64).mul(0.5));
  const { cSkip } = edmCoefficients(sigma, 0.5);
  const codes = { means, logStds: zeros([m, k], f64), cov };
  gradcheck(() => gaussianSkip(x, sigma, cSkip, z, codes), [x, z, means]);
  const drop = tensor([0, 1, 0]).gt(0);
  const mixed = gaussianSkip(x, sigma, cSkip, z, codes, drop), plain = gaussianSkip(x, sigma, cSkip, null, codes);
  assert.equal(mixed.slice(0, 1, 2).sub(plain.slice(0, 1, 2)).abs().max().item(), 0);
}));

test('covariances start at their clusters\', follow the EMA of the scatter of each code\'s points, and reset when moved', () => tidy(() => {
  manualSeed(23);
  const m = 2, k = 3, d = 2, minStd = 1e-3;
  const cov = zeros([m, k, d, d], f64);
  // A code's cluster drawn from N(0, A Aᵀ): its covariance, for every latent; a one-point cluster: minStd²I.
  const A = tensor([[1, 0], [0.8, 0.3]], f64);
  const pts = randn([400, d], f64).matmul(A.transpose(0, 1));
  const groups = [pts.toArray() as number[][], [[1, 2]], pts.slice(0, 0, 50).add(3).toArray() as number[][]];
  initCovariances(cov, groups, minStd);
  const unbiased = (p: Tensor) => { const c = p.sub(p.mean(0, true)); return c.transpose(0, 1).matmul(c).div(p.size(0) - 1); };
  const close = (a: Tensor, b: Tensor, tol: number, what: string) => assert.ok(a.sub(b).abs().max().item() < tol, what);
  for (let i = 0; i < m; i++) {
    close(cov.select(0, i).select(0, 0), unbiased(pts), 1e-10, `latent ${i}, code 0`);
    close(cov.select(0, i).select(0, 1), eye(d, f64).mul(minStd ** 2), 1e-15, `latent ${i}, code 1`);
    close(cov.select(0, i).select(0, 2), unbiased(pts.slice(0, 0, 50)), 1e-10, `latent ${i}, code 2`);
  }
  // EMA: latent 0's points all in code 2, latent 1's in code 0; code 1 holds none and keeps its Σ.
  const x = randn([300, d], f64).mul(0.5).add(1);
  const codes = stack([full([300], 2, { dtype: 'int64' }), full([300], 0, { dtype: 'int64' })], 1);
  const before = cov.clone();
  refitCovariances(cov, x, codes, 0.9);
  const after = cov.clone();
  close(after.select(0, 0).select(0, 2), before.select(0, 0).select(0, 2).mul(0.9).add(unbiased(x).mul(0.1)), 1e-10, 'EMA of code 2, latent 0');
  close(after.select(0, 1).select(0, 0), before.select(0, 1).select(0, 0).mul(0.9).add(unbiased(x).mul(0.1)), 1e-10, 'EMA of code 0, latent 1');
  close(after.select(0, 0).select(0, 1), before.select(0, 0).select(0, 1), 1e-15, 'an empty code keeps its covariance');
  moveCovariances(cov, [{ latent: 1, code: 2, centre: [0, 0], reason: 'dead', std: 0.4 }], minStd);
  close(cov.select(0, 1).select(0, 2), eye(d, f64).mul(0.16), 1e-12, 'a moved code restarts isotropic');
}));

test("codeCovariance 'full' needs the EMA codebook (one Gaussian or a mixture per code)", () => {
  const base = { name: 't', data: { kind: 'toy' }, model: { kind: 'mlp', codeCovariance: 'full' } };
  assert.doesNotThrow(() => parseConfig(base));
  assert.doesNotThrow(() => parseConfig({ ...base, model: { ...base.model, codeModes: 2 } }));
  assert.throws(() => parseConfig({ ...base, latents: { centreUpdate: 'gradient' } }), /codeCovariance: 'full' needs/);
});
