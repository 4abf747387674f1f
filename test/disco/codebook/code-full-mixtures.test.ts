// A mixture of full-covariance Gaussians per code (codeModes > 1 with codeCovariance: full): the skip is
// each code's exact mixture denoiser, its gradients match finite differences, and k-means + EM find
// the parts of a code that holds two anisotropic modes.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { F, Generator, eye, full, manualSeed, rand, randint, randn, setNumThreads, stack, tensor, tidy, zeros, type Tensor } from '../../../src/engine/index.js';
import { gaussianSkip } from '../../../src/disco/gaussian-skip.js';
import { initFullMixtures, moveFullMixtures, refitFullMixtures } from '../../../src/disco/codebook/code-full-mixtures.js';
import { edmCoefficients } from '../../../src/edm/precond.js';
import { gradcheck } from '../../engine/gradcheck.js';

before(() => setNumThreads(1));
const f64 = { dtype: 'float64' as const };
const covOf = (axes: Tensor, logVars: Tensor) => axes.mul(logVars.exp().unsqueeze(-2)).matmul(axes.transpose(-1, -2));
function rotations(...shape: number[]): Tensor {
  const a = rand(shape, f64).mul(2 * Math.PI), c = a.cos(), s = a.sin();
  return stack([stack([c, s.neg()], -1), stack([s, c], -1)], -2);
}

test('with a mixture of full Gaussians per code, the skip of a one-hot z is that mixture\'s exact denoiser', () => tidy(() => {
  manualSeed(31);
  const B = 5, m = 1, k = 2, c = 2, d = 2;
  const subMeans = randn([m, k, c, d], f64).mul(2), subCov = covOf(rotations(m, k, c), randn([m, k, c, d], f64).mul(0.8).sub(1));
  const subLogWeights = randn([m, k, c], f64);
  const x = randn([B, d], f64).mul(2), code = [0, 1, 1, 0, 1];
  const z = F.oneHot(tensor(code.map((j) => [j]), { dtype: 'int64' }), k).to(f64);
  const S = subCov.toArray() as number[][][][][], M = subMeans.toArray() as number[][][][];
  const W = subLogWeights.softmax(-1).toArray() as number[][][], X = x.toArray() as number[][];
  for (const s of [0.05, 0.7, 4]) {
    const sigma = full([B, 1], s, f64);
    const { cSkip } = edmCoefficients(sigma, 0.5);
    const got = gaussianSkip(x, sigma, cSkip, z, { means: zeros([m, k, d], f64), logStds: zeros([m, k], f64), subMeans, subCov,
      subLogWeights }).toArray() as number[][];
    code.forEach((j, b) => {
      let norm = 0;
      const acc = [0, 0];
      for (let q = 0; q < c; q++) {
        const [[a, bb], [, cc]] = S[0]![j]![q]! as [[number, number], [number, number]];
        const [p, o, r] = [a + s * s, bb, cc + s * s], det = p * r - o * o;
        const inv = [[r / det, -o / det], [-o / det, p / det]];
        const u = [0, 1].map((t) => X[b]![t]! - M[0]![j]![q]![t]!);
        const w = [0, 1].map((t) => inv[t]![0]! * u[0]! + inv[t]![1]! * u[1]!);
        const dens = W[0]![j]![q]! * Math.exp(-0.5 * (u[0]! * w[0]! + u[1]! * w[1]!)) / Math.sqrt(det);
        const mean = [M[0]![j]![q]![0]! + a * w[0]! + bb * w[1]!, M[0]![j]![q]![1]! + bb * w[0]! + cc * w[1]!];
        norm += dens;
        acc[0]! += dens * mean[0]!;
        acc[1]! += dens * mean[1]!;
      }
      [0, 1].forEach((t) => assert.ok(Math.abs(got[b]![t]! - acc[t]! / norm) < 1e-9, `σ ${s}, row ${b}: ${got[b]} vs ${acc.map((v) => v / norm)}`));
    });
  }
}));

test('the full-mixture skip\'s gradients (x, z, means, log-weights) match finite differences', () => tidy(() => {
  manualSeed(32);
  const B = 2, m = 2, k = 2, c = 2, d = 2;
  const x = randn([B, d], f64).requiresGrad_(), sigma = tensor([0.4, 1.5], f64).view(B, 1);
  const z = F.oneHot(randint(0, k, [B, m]), k).to(f64).add(rand([B, m, k], f64).mul(0.1)).requiresGrad_();
  const subMeans = randn([m, k, c, d], f64).requiresGrad_(), subCov = covOf(rotations(m, k, c), randn([m, k, c, d], f64).mul(0.3));
  const subLogWeights = randn([m, k, c], f64).requiresGrad_();
  const { cSkip } = edmCoefficients(sigma, 0.5);
  const codes = { means: zeros([m, k, d], f64), logStds: zeros([m, k], f64), subMeans, subCov, subLogWeights };
  gradcheck(() => gaussianSkip(x, sigma, cSkip, z, codes), [x, z, subMeans, subLogWeights]);
}));

test('k-means and EM find the two anisotropic modes of one code; a moved code restarts isotropic', () => tidy(() => {
  manualSeed(33);
  const m = 1, k = 2, c = 2, d = 2, minStd = 1e-3;
  const A = [tensor([[0.5, 0], [0, 0.1]], f64), tensor([[0.1, 0], [0, 0.5]], f64)], centres = [tensor([-3, 0], f64), tensor([3, 0], f64)];
  const draw = (n: number) => stack([0, 1].map((q) => randn([n, d], f64).matmul(A[q]!).add(centres[q]!)), 0).reshape(2 * n, d);
  const mix = { means: zeros([m, k, c, d], f64), cov: zeros([m, k, c, d, d], f64), logWeights: zeros([m, k, c], f64) };
  initFullMixtures(mix, [draw(300).toArray() as number[][], [[0, 5]]], new Generator(0), minStd);
  const x = draw(2000), codes = zeros([4000, m], { dtype: 'int64' });
  for (let i = 0; i < 5; i++) refitFullMixtures(mix, x, codes, 0, minStd);
  const order = (mix.means.select(0, 0).select(0, 0).select(1, 0).toFlatArray()[0]! < 0) ? [0, 1] : [1, 0];
  const cov = mix.cov.select(0, 0).select(0, 0);
  order.forEach((part, q) => {
    const err = cov.select(0, part).sub(A[q]!.matmul(A[q]!)).abs().max().item();
    assert.ok(err < 0.03, `mode ${q}: covariance off by ${err}`);
    assert.ok(mix.means.select(0, 0).select(0, 0).select(0, part).sub(centres[q]!).abs().max().item() < 0.05, `mode ${q}: centre`);
  });
  assert.ok(mix.logWeights.select(0, 0).select(0, 0).exp().sub(0.5).abs().max().item() < 0.02, 'equal weights');
  moveFullMixtures(mix, [{ latent: 0, code: 1, centre: [1, 1], reason: 'dead', std: 0.3 }], new Generator(1), minStd);
  const moved = mix.cov.select(0, 0).select(0, 1);
  for (let q = 0; q < c; q++) assert.ok(moved.select(0, q).sub(eye(d, f64).mul(0.09)).abs().max().item() < 1e-12, 'isotropic restart');
}));
