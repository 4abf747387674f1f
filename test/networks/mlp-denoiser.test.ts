// The 2-D MLP denoiser: what its MLP H sees of z (model.latentInput), the null path of dropped rows, the plain baseline.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { full, manualSeed, randn, setNumThreads, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { MLPDenoiser } from '../../src/networks/mlp-denoiser.js';
import { EDMPrecond } from '../../src/edm/precond.js';
import { setCentres } from '../../src/disco/codebook/moves.js';
import { mlpDenoiserOptions } from './options.js';

before(() => setNumThreads(1));

const B = 6;
/** Every row's latent is code c (one latent of 3 codes): [B, 1, 3]. */
const codes = (c: number): Tensor => tensor(Array.from({ length: B }, () => [[0, 1, 2].map((j) => (j === c ? 1 : 0))]));
/** One isotropic Gaussian per code (App. F's analytic term), whose centres these tests move by hand. */
const small = { dim: 2, hidden: 16, layers: 2, embDim: 8, latents: { m: 1, k: 3 }, sigmaData: 1, codeModes: 1, codeCovariance: 'isotropic' as const };

test("latentInput 'presence' and 'none': z reaches D only through its centre", () => tidy(() => {
  manualSeed(0);
  const x = randn([B, 2]), sigma = full([B], 0.7);
  for (const latentInput of ['presence', 'none'] as const) {
    const net = new MLPDenoiser(mlpDenoiserOptions({ ...small, latentInput }));
    const D = new EDMPrecond(net, 1);
    // Equal centres and scales: the code cannot matter.
    setCentres(net.means!, net.logStds, [0, 1, 2].map((code) => ({ latent: 0, code, centre: [0.3, -0.2], std: 1, reason: 'dead' as const })), 0.01);
    const out = (c: number) => D.forward(x, sigma, { latents: codes(c) }).toFlatArray();
    assert.deepEqual(out(0), out(2));
    // Different centres: the code changes the output.
    setCentres(net.means!, net.logStds, [{ latent: 0, code: 2, centre: [3, 3], std: 1, reason: 'dead' }], 0.01);
    assert.notDeepEqual(out(0), out(2));
  }
  assert.throws(() => new MLPDenoiser(mlpDenoiserOptions({ ...small, analyticGaussian: false, latentInput: 'none' })),
    /latentInput 'none' needs model.analyticGaussian/);
}));

test("what H sees: 'none' is blind to z and to dropout, 'presence' only to the code, 'embedding' to both", () => tidy(() => {
  manualSeed(1);
  const x = randn([B, 2]), cNoise = full([B], -0.1);
  const drop = tensor([1, 0, 1, 0, 0, 1]).gt(0);
  const H = (net: MLPDenoiser, cond = {}) => net.forward(x, cNoise, cond).toArray() as number[][];
  for (const latentInput of ['none', 'presence', 'embedding'] as const) {
    const net = new MLPDenoiser(mlpDenoiserOptions({ ...small, latentInput }));
    const [a, b, absent, dropped] = [H(net, { latents: codes(0) }), H(net, { latents: codes(2) }), H(net), H(net, { latents: codes(0), dropLatents: drop })];
    const same = (p: number[][], q: number[][]) => p.every((r, i) => r.every((v, t) => Math.abs(v - q[i]![t]!) < 1e-6));
    assert.equal(same(a, b), latentInput !== 'embedding', `${latentInput}: H sees the code`);
    assert.equal(same(a, absent), latentInput === 'none', `${latentInput}: H sees whether z is present`);
    // Dropped rows take the null path (as if no latents), the others keep theirs.
    drop.toFlatArray().forEach((d, i) => assert.deepEqual(dropped[i], (d ? absent : a)[i], `${latentInput}: row ${i}`));
    assert.equal(net.latent === null, latentInput === 'none');
    if (latentInput === 'presence') assert.deepEqual(net.latent!.table.shape, [1, 1, 8], 'one "present" row, one null');
  }
}));

test('dropped rows of D are the plain EDM denoiser c_skip·x + c_out·H(∅); kept rows use their code\'s Gaussian', () => tidy(() => {
  manualSeed(2);
  const net = new MLPDenoiser(mlpDenoiserOptions({ ...small, latentInput: 'presence' }));
  const D = new EDMPrecond(net, 1);
  const x = randn([B, 2]), sigma = full([B], 0.5);
  const drop = tensor([1, 0, 0, 1, 0, 0]).gt(0);
  const withDrop = D.forward(x, sigma, { latents: codes(1), dropLatents: drop }).toArray() as number[][];
  const none = D.forward(x, sigma).toArray() as number[][];
  const kept = D.forward(x, sigma, { latents: codes(1) }).toArray() as number[][];
  // Without latents, D = c_skip·x + c_out·H(x·c_in, c_noise) with σ_data = 1 (EDM, Table 1).
  const s2 = 0.25 + 1, h = net.forward(x.mul(1 / Math.sqrt(s2)), full([B], Math.log(0.5) / 4)).toArray() as number[][];
  const xs = x.toArray() as number[][];
  none.forEach((r, i) => r.forEach((v, t) => assert.ok(Math.abs(v - (xs[i]![t]! / s2 + (0.5 / Math.sqrt(s2)) * h[i]![t]!)) < 1e-5)));
  drop.toFlatArray().forEach((d, i) => assert.deepEqual(withDrop[i], (d ? none : kept)[i]));
}));

test('without latents the MLP denoiser is the plain EDM network: no latent modules, no centres', () => tidy(() => {
  const net = new MLPDenoiser(mlpDenoiserOptions({ ...small, latents: null, latentInput: 'embedding' }));
  assert.equal(net.latent, null);
  assert.equal(net.means, null);
  assert.equal(net.input, 'none');
  assert.deepEqual([...net.stateDict().keys()].filter((k) => /latent|means|log_stds/.test(k)), []);
}));
