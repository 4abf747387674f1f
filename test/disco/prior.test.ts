import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, manualSeed, multinomial, tensor, tidy, cat } from '../../src/engine/index.js';
import { LatentPrior } from '../../src/disco/prior.js';
import { priorOptions } from '../networks/options.js';
import { Adam } from '../../src/optim/index.js';

// A known distribution over m = 3 latents with k = 4 codes, with dependence between positions:
// z0 ~ p0, z1 = (z0 + e1) mod 4, z2 ~ depends on z1.
const p0 = [0.4, 0.3, 0.2, 0.1];
const pe = [0.7, 0.2, 0.1, 0];
const p2 = (z1: number) => (z1 % 2 === 0 ? [0.8, 0.1, 0.05, 0.05] : [0.05, 0.05, 0.1, 0.8]);

function trueProb(z: number[]): number {
  return p0[z[0]!]! * pe[(z[1]! - z[0]! + 4) % 4]! * p2(z[1]!)[z[2]!]!;
}

function draw(n: number, g: Generator) {
  return tidy(() => {
    const z0 = multinomial(tensor(p0).unsqueeze(0).expand(n, 4), 1, { replacement: true, generator: g });
    const e = multinomial(tensor(pe).unsqueeze(0).expand(n, 4), 1, { replacement: true, generator: g });
    const z1 = z0.add(e).remainder(4);
    const probs2 = tensor(z1.toFlatArray().map(p2));
    const z2 = multinomial(probs2, 1, { generator: g });
    return cat([z0, z1, z2], 1);
  });
}

test('the AR prior fits a known categorical distribution over m = 3, k = 4', () => {
  manualSeed(0);
  const g = new Generator(0);
  const data = draw(4000, g);
  const prior = new LatentPrior(priorOptions({ m: 3, k: 4, dim: 32, layers: 2, heads: 2 }));
  const opt = new Adam(prior.namedParameters(), { lr: 3e-3 });
  for (let step = 0; step < 300; step++) {
    tidy(() => {
      const idx = tensor(Array.from({ length: 256 }, (_, i) => (step * 256 + i) % 4000), { dtype: 'int64' });
      prior.loss(data.indexSelect(0, idx)).backward();
    });
    opt.update();
    opt.zeroGrad();
  }
  // KL(p_true || p_model) from model samples' empirical distribution vs exact probabilities.
  prior.eval();
  const samples = prior.sample(20000, { temperature: 1, generator: new Generator(5) }).toFlatArray();
  const counts = new Map<string, number>();
  for (let i = 0; i < samples.length; i += 3) {
    const key = samples.slice(i, i + 3).join();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let kl = 0;
  for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) for (let c = 0; c < 4; c++) {
    const p = trueProb([a, b, c]);
    if (p === 0) continue;
    const q = Math.max((counts.get([a, b, c].join()) ?? 0) / 20000, 1e-5);
    kl += p * Math.log(p / q);
  }
  assert.ok(kl < 0.05, `KL(true || prior) = ${kl}`);
  // Holding z0 at code 3, z1 follows p(z1 | z0 = 3): 3, 0, 1 with probabilities 0.7, 0.2, 0.1.
  const held = prior.sample(4000, { temperature: 1, generator: new Generator(6), fixed: [3, null, null] }).toArray() as number[][];
  assert.ok(held.every((z) => z[0] === 3));
  const share = [3, 0, 1].map((c) => held.filter((z) => z[1] === c).length / held.length);
  assert.ok(share.every((s, i) => Math.abs(s - [0.7, 0.2, 0.1][i]!) < 0.07), `p(z1 | z0 = 3) on 3, 0, 1: ${share}`);
});

test('a class-conditional prior demands labels; soft targets give a finite loss', () => {
  const prior = new LatentPrior(priorOptions({ m: 2, k: 3, numClasses: 2 }));
  assert.throws(() => prior.loss(tensor([[0, 1]], { dtype: 'int64' })), /class-conditional/);
  const labels = tensor([0, 1], { dtype: 'int64' });
  assert.throws(() => prior.sample(2, { labels, temperature: 1, fixed: [1] }), /fixed must hold 2 entries, each null or a code 0\.\.2/);
  assert.throws(() => prior.sample(2, { labels, temperature: 1, fixed: [null, 3] }), /fixed must hold 2 entries/);
  assert.deepEqual(prior.sample(2, { labels, temperature: 1, fixed: [2, 0] }).toArray(), [[2, 0], [2, 0]]);
  const soft = tensor([[[0.2, 0.5, 0.3], [1, 0, 0]]]);
  const l = prior.loss(soft, tensor([1], { dtype: 'int64' })).item();
  assert.ok(Number.isFinite(l) && l > 0);
});
