import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator, full, ones, randn, tensor, zeros } from '../../src/engine/index.js';
import { CodeRestarts, emaRefit, kmeans, members, setCentres, spread, uniforms } from '../../src/disco/codebook.js';
import { diversityLoss } from '../../src/disco/model.js';
import { MLPDenoiser } from '../../src/networks/mlp-denoiser.js';
import { eightGaussians } from '../../src/data/toy.js';
import { parseConfig } from '../../src/config/load.js';
import { trainStage1 } from '../../src/train/stage1.js';
import { Adam } from '../../src/optim/index.js';

/** A seeded uniform stream that does not touch libtorch. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const CIRCLE = Array.from({ length: 8 }, (_, j) => [3 * Math.cos((j * Math.PI) / 4), 3 * Math.sin((j * Math.PI) / 4)]);
const nearestTrue = (c: number[]) => Math.min(...CIRCLE.map((t) => Math.hypot(c[0]! - t[0]!, c[1]! - t[1]!)));

test('k-means++ with Lloyd finds the 8 Gaussian means, one centre each, and their spread', () => {
  const g = new Generator(5);
  const d = eightGaussians(2000, g);
  const pts = d.x.toArray() as number[][];
  const centres = kmeans(pts, 8, uniforms(g));
  for (const c of centres) assert.ok(nearestTrue(c) < 0.05, `centre ${c} is not at a true mean`);
  members(pts, centres).forEach((m, j) => assert.ok(Math.abs(spread(m, centres[j]!) - 0.2) < 0.02, `std of cluster ${j}`));
  const owners = new Set(centres.map((c) => CIRCLE.findIndex((t) => Math.hypot(c[0]! - t[0]!, c[1]! - t[1]!) < 0.05)));
  assert.equal(owners.size, 8);
});

/** Points of the 8 modes (σ = 0.2) and the codes that a given mode → code map assigns them. */
function assigned(map: (mode: number, i: number) => number, perMode = 40) {
  const u = lcg(1);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const points: number[][] = [], codes: number[] = [];
  CIRCLE.forEach((c, mode) => {
    for (let i = 0; i < perMode; i++) {
      points.push([c[0]! + 0.2 * gauss(), c[1]! + 0.2 * gauss()]);
      codes.push(map(mode, i));
    }
  });
  return { points, codes };
}

test('restarts: a dead code is re-seeded at a badly served point', () => {
  const r = new CodeRestarts(1, 8, { decay: 0 });
  // Modes 0 and 1 share code 0 (centre between them); code 7 is never used.
  const { points, codes } = assigned((mode) => (mode <= 1 ? 0 : mode - 1));
  r.observe(codes);
  const centres = [[[0.5 * (CIRCLE[0]![0]! + CIRCLE[1]![0]!), 0.5 * (CIRCLE[0]![1]! + CIRCLE[1]![1]!)], ...CIRCLE.slice(2), [0, 0]]];
  const moves = r.plan(points, codes, centres, lcg(2));
  assert.equal(moves.length, 1);
  assert.equal(moves[0]!.code, 7);
  assert.equal(moves[0]!.reason, 'dead');
  assert.equal(moves[0]!.donor, 0, 'the code that served the new centre\'s region donates its logit');
  assert.ok(moves[0]!.std > 0.1 && moves[0]!.std < 0.4, `std ${moves[0]!.std}`);
  // The new centre is a point of mode 0 or 1: the only badly served ones.
  const at = moves[0]!.centre;
  assert.ok(Math.min(Math.hypot(at[0]! - CIRCLE[0]![0]!, at[1]! - CIRCLE[0]![1]!),
    Math.hypot(at[0]! - CIRCLE[1]![0]!, at[1]! - CIRCLE[1]![1]!)) < 1);
  assert.equal(r.usage[0]![7], 1 / 8, 'a re-seeded code gets a fresh usage share');
});

test('restarts: split-and-merge fixes two modes in one code and one mode in two codes, and leaves a good partition alone', () => {
  // Modes 0 and 1 → code 0; mode 7 split into codes 6 and 7; other modes one code each.
  const bad = assigned((mode, i) => (mode <= 1 ? 0 : mode < 7 ? mode - 1 : 6 + (i % 2)));
  const r = new CodeRestarts(1, 8, { decay: 0 });
  r.observe(bad.codes);
  const moves = r.plan(bad.points, bad.codes, [Array.from({ length: 8 }, () => [0, 0])], lcg(3));
  assert.deepEqual(moves.map((m) => m.reason).sort(), ['merge', 'split', 'split']);
  const merged = moves.find((m) => m.reason === 'merge')!;
  assert.ok([6, 7].includes(merged.code));
  assert.ok(Math.hypot(merged.centre[0]! - CIRCLE[7]![0]!, merged.centre[1]! - CIRCLE[7]![1]!) < 0.15);
  const halves = moves.filter((m) => m.reason === 'split');
  assert.ok(halves.some((m) => m.code === 0));
  for (const h of halves) {
    assert.ok(nearestTrue(h.centre) < 0.15, `split centre ${h.centre} is not at a mode`);
    assert.ok(Math.abs(h.std - 0.2) < 0.06, `split std ${h.std}`);
  }
  // One code per mode: nothing to do.
  const good = assigned((mode) => mode);
  const r2 = new CodeRestarts(1, 8, { decay: 0 });
  r2.observe(good.codes);
  assert.deepEqual(r2.plan(good.points, good.codes, [CIRCLE], lcg(4)), []);
});

test('setCentres writes the chosen rows and resets their log-stds', () => {
  const means = zeros([2, 3, 2]), logStds = full([2, 3], 0.5);
  setCentres(means, logStds, [{ latent: 1, code: 2, centre: [4, -5], reason: 'dead', std: 0.25 },
    { latent: 0, code: 0, centre: [1, 1], reason: 'dead', std: 0 }], 0.01);
  assert.deepEqual(means.toFlatArray(), [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 4, -5]);
  const ls = logStds.toFlatArray();
  assert.ok(Math.abs(ls[5]! - Math.log(0.25)) < 1e-6 && Math.abs(ls[0]! - Math.log(0.01)) < 1e-6, 'std floored at minStd');
  assert.deepEqual(ls.slice(1, 5), [0.5, 0.5, 0.5, 0.5]);
});

test('diversity loss: 0 for a uniform batch marginal, (k − 1)/k for one code, and matches a hand computation', () => {
  const k = 4;
  assert.ok(Math.abs(diversityLoss(zeros([8, 2, k])).item()) < 1e-6);
  const oneCode = tensor([[[30, 0, 0, 0]], [[30, 0, 0, 0]]]);
  assert.ok(Math.abs(diversityLoss(oneCode).item() - (k - 1) / k) < 1e-5);
  // p̄ = (0.5, 0.5, 0, 0) over a batch of two confident samples: perplexity 2 → (4 − 2)/4.
  const two = tensor([[[40, 0, 0, 0]], [[0, 40, 0, 0]]]);
  assert.ok(Math.abs(diversityLoss(two).item() - 0.5) < 1e-5);
});

test("latentInput 'presence' and 'none': z reaches the denoiser only through its centre", () => {
  const x = randn([6, 2]), sigma = full([6], 0.7).view(-1, 1);
  for (const input of ['presence', 'none'] as const) {
    const net = new MLPDenoiser({ dim: 2, hidden: 16, layers: 2, embDim: 8, latents: { m: 1, k: 3 }, latentInput: input, sigmaData: 1 });
    // Equal centres and scales: the code cannot matter.
    setCentres(net.means!, net.logStds, [0, 1, 2].map((code) => ({ latent: 0, code, centre: [0.3, -0.2], std: 1, reason: 'dead' as const })), 0.01);
    const z = (c: number) => tensor(Array.from({ length: 6 }, () => [[0, 1, 2].map((j) => (j === c ? 1 : 0))]));
    const out = (c: number) => {
      const cond = { latents: z(c) };
      return net.forward(x, sigma.view(-1).log().div(4), cond).add(net.gaussianSkip(x, sigma, cond)).toFlatArray();
    };
    assert.deepEqual(out(0), out(2));
    // Different centres: the code changes the output.
    setCentres(net.means!, net.logStds, [{ latent: 0, code: 2, centre: [3, 3], std: 1, reason: 'dead' }], 0.01);
    assert.notDeepEqual(out(0), out(2));
  }
  assert.throws(() => new MLPDenoiser({ dim: 2, latents: { m: 1, k: 3 }, analyticGaussian: false, latentInput: 'none', sigmaData: 1 }),
    /latentInput 'none' needs model.analyticGaussian/);
});

test('Adam lrScale: a parameter group at scale s takes a first step s times as long', () => {
  const a = zeros([3]).requiresGrad_(), b = zeros([3]).requiresGrad_();
  const opt = new Adam([['enc.w', a], ['net.w', b]], { lr: 0.1, lrScale: (n) => (n.startsWith('enc.') ? 0.25 : 1) });
  a.setGrad(ones([3])); b.setGrad(ones([3]));
  opt.update();
  for (const v of a.toFlatArray()) assert.ok(Math.abs(v + 0.025) < 1e-6);
  for (const v of b.toFlatArray()) assert.ok(Math.abs(v + 0.1) < 1e-6);
  assert.throws(() => new Adam([['w', a]], { lrScale: () => -1 }), /learning-rate scale of w must be ≥ 0/);
  const frozen = zeros([2]).requiresGrad_();
  const opt2 = new Adam([['f', frozen]], { lr: 0.1, lrScale: () => 0 });
  frozen.setGrad(ones([2]));
  opt2.update();
  assert.deepEqual(frozen.toFlatArray(), [0, 0], 'scale 0 freezes');
});

test('a run with every latent remedy on resumes exactly and logs perplexity, diversity and restarts', async () => {
  const cfg = (steps: number) => parseConfig({
    data: { kind: 'toy', name: '8gaussians', n: 800 },
    model: { kind: 'mlp', hidden: 32, layers: 3, embDim: 16 },
    latents: { m: 1, k: 8, tauEnd: 0.5, diversity: 0.1, centreInit: 'kmeans', restartEvery: 3, restartUntil: 0.8 },
    encoder: { kind: 'mlp', hidden: 32, layers: 2 },
    train: { steps, batch: 64, warmupSteps: 5, logEvery: 5, checkpointEvery: 7, seed: 4, encoderLrScale: 0.5 },
  });
  const dir = mkdtempSync(join(tmpdir(), 'dd-'));
  const full = await trainStage1(cfg(30), join(dir, 'a'), { quiet: true });
  const first = await trainStage1(cfg(30), join(dir, 'b'), { quiet: true, stopAt: 11 });
  const rest = await trainStage1(cfg(30), join(dir, 'b'), { quiet: true, resume: true });
  assert.deepEqual([...first.losses, ...rest.losses], full.losses);
  const { readFileSync } = await import('node:fs');
  const log = readFileSync(join(dir, 'a', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(log[0].perplexity.length, 1);
  assert.ok(log[0].perplexity[0] >= 1 && log[0].perplexity[0] <= 8);
  assert.ok(log[0].regularisers > 0);
});

test('splitCode: the new code copies the donor logit and both drop by ln 2', async () => {
  const { MLPEncoder } = await import('../../src/networks/mlp-encoder.js');
  const enc = new MLPEncoder(2, 2, 5, { hidden: 8, layers: 2 });
  const y = randn([7, 2]);
  const before = enc.forward(y).toArray() as number[][][];
  enc.splitCode(1, 3, 0);
  const after = enc.forward(y).toArray() as number[][][];
  for (let b = 0; b < 7; b++) {
    assert.deepEqual(after[b]![0], before[b]![0], 'latent 0 is untouched');
    assert.ok(Math.abs(after[b]![1]![0]! - (before[b]![1]![3]! - Math.LN2)) < 1e-5);
    assert.ok(Math.abs(after[b]![1]![3]! - (before[b]![1]![3]! - Math.LN2)) < 1e-5);
    for (const j of [1, 2, 4]) assert.ok(Math.abs(after[b]![1]![j]! - before[b]![1]![j]!) < 1e-6);
  }
});

test('emaRefit moves each code towards the mean and spread of its points', () => {
  const { points, codes } = assigned((mode) => mode, 200);
  const x = tensor(points), z = tensor(codes.map((c) => [c]), { dtype: 'int64' });
  const start = () => ({ means: tensor([CIRCLE.map((c) => [c[0]! + 0.5, c[1]!])]), logStds: zeros([1, 8]) });
  const full = start();
  emaRefit(full.means, full.logStds, x, z, 0, 1e-3);
  const mu = full.means.toArray() as number[][][], s = full.logStds.exp().toFlatArray();
  for (let j = 0; j < 8; j++) {
    assert.ok(nearestTrue(mu[0]![j]!) < 0.05, `centre ${mu[0]![j]}`);
    assert.ok(Math.abs(s[j]! - 0.2) < 0.03, `std ${s[j]}`);
  }
  const half = start();
  emaRefit(half.means, half.logStds, x, z, 0.5, 1e-3);
  assert.ok(Math.abs((half.means.toArray() as number[][][])[0]![0]![0]! - (3 + 0.25)) < 0.05, 'halfway between the old centre and the batch mean');
  assert.ok(Math.abs(half.logStds.exp().toFlatArray()[0]! - Math.sqrt(0.5 + 0.5 * 0.04)) < 0.03);
  // A code with one point moves its centre onto it but keeps its scale; codes with none keep both.
  const lone = start();
  emaRefit(lone.means, lone.logStds, x.slice(0, 0, 1), z.slice(0, 0, 1), 0, 1e-3);
  const c0 = codes[0]!, mus = lone.means.toArray() as number[][][], mu0 = start().means.toArray() as number[][][];
  assert.deepEqual(mus[0]![c0], (x.slice(0, 0, 1).toArray() as number[][])[0]);
  for (let j = 0; j < 8; j++) if (j !== c0) assert.deepEqual(mus[0]![j], mu0[0]![j]);
  assert.deepEqual(lone.logStds.toFlatArray(), start().logStds.toFlatArray());
});

test('sample entropy: 1 for uniform codes, 0 for one-hot, and its gradient matches finite differences', async () => {
  const { sampleEntropy } = await import('../../src/disco/model.js');
  assert.ok(Math.abs(sampleEntropy(zeros([3, 2, 5])).item() - 1) < 1e-6);
  assert.ok(sampleEntropy(tensor([[[60, 0, 0]], [[0, 0, 60]]])).item() < 1e-6);
  const { gradcheck } = await import('../engine/gradcheck.js');
  const l = randn([3, 2, 4], { dtype: 'float64' }).requiresGrad_();
  gradcheck(() => sampleEntropy(l), [l]);
  gradcheck(() => diversityLoss(l), [l]);
});
