// The latent encoders: logits [B, m, k], per-layer widths from their options, and the restarts' logit split.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, randint, randn, setNumThreads, tidy } from '../../src/engine/index.js';
import { MLPEncoder } from '../../src/networks/mlp-encoder.js';
import { ViTEncoder } from '../../src/networks/vit-encoder.js';
import { mlpEncoderOptions, vitEncoderOptions } from './options.js';

before(() => setNumThreads(1));

test('MLP encoder: logits [B, m, k] from flattened data through `layers` linear layers of width `hidden`', () => tidy(() => {
  const enc = new MLPEncoder(mlpEncoderOptions({ inDim: 6, m: 2, k: 5, hidden: 8, layers: 3 }));
  assert.deepEqual(enc.mlp.layers.map((l) => l.weight.shape), [[8, 6], [8, 8], [10, 8]]);
  assert.deepEqual(enc.forward(randn([7, 2, 3])).shape, [7, 2, 5]);
}));

test('splitCode: the new code copies the donor logit and both drop by ln 2', () => tidy(() => {
  manualSeed(0);
  const enc = new MLPEncoder(mlpEncoderOptions({ inDim: 2, m: 2, k: 5, hidden: 8, layers: 2 }));
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
}));

test('ViT encoder: logits [B, m, k], a shared head or one per latent, class-conditional tokens need labels', () => tidy(() => {
  manualSeed(1);
  const o = { resolution: 8, inChannels: 1, m: 3, k: 5, patch: 4, dim: 8, depth: 1, heads: 2 };
  const y = randn([4, 1, 8, 8]);
  const shared = new ViTEncoder(vitEncoderOptions(o));
  assert.deepEqual(shared.forward(y).shape, [4, 3, 5]);
  assert.equal(shared.heads, null);
  const own = new ViTEncoder(vitEncoderOptions({ ...o, headPerLatent: true }));
  assert.deepEqual([own.heads!.weight.shape, own.heads!.bias.shape], [[3, 8, 5], [3, 1, 5]]);
  assert.deepEqual(own.forward(y).shape, [4, 3, 5]);
  const cond = new ViTEncoder(vitEncoderOptions({ ...o, numClasses: 10 }));
  assert.throws(() => cond.forward(y), /class-conditional .* got no labels/);
  assert.deepEqual(cond.forward(y, randint(0, 10, [4])).shape, [4, 3, 5]);
}));
