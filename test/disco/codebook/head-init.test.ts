// Data-dependent encoder heads: k-means on features, logits = nearest centre with a set confidence.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, manualSeed, randn, setNumThreads, stack, tensor, tidy } from '../../../src/engine/index.js';
import { initHeadsFromData, kmeansHeads } from '../../../src/disco/codebook/head-init.js';
import { ViTEncoder } from '../../../src/networks/vit-encoder.js';
import { vitEncoderOptions } from '../../networks/options.js';

before(() => setNumThreads(1));

/** 3 tight clusters of 40 points around far-apart centres in 4-D. */
const blobs = () => {
  const centres = tensor([[5, 0, 0, 0], [0, 5, 0, 0], [0, 0, 0, -5]]);
  return { centres, x: randn([3, 40, 4]).mul(0.1).add(centres.unsqueeze(1)).reshape(120, 4) };
};

test('kmeansHeads: argmax = nearest centre, mean max probability = the confidence asked for', () => tidy(() => {
  manualSeed(3);
  const { x } = blobs();
  const f = stack([x, x.flip(1)], 1); // (120, m = 2, 4)
  const g = new Generator(4);
  for (const confidence of [0.5, 0.9]) {
    const { weight, bias } = kmeansHeads(f, 3, g, confidence);
    assert.deepEqual(weight.shape, [2, 4, 3]);
    assert.deepEqual(bias.shape, [2, 3]);
    for (let i = 0; i < 2; i++) {
      const logits = f.select(1, i).matmul(weight.select(0, i)).add(bias.select(0, i));
      const p = logits.softmax(1);
      assert.ok(Math.abs(p.max(1).mean().item() - confidence) < 1e-3);
      // Points of one true cluster share a code, and the three clusters get three codes.
      const codes = logits.argmax(1).toFlatArray();
      const perCluster = [0, 1, 2].map((j) => new Set(codes.slice(40 * j, 40 * j + 40)));
      assert.deepEqual(perCluster.map((s) => s.size), [1, 1, 1]);
      assert.equal(new Set(perCluster.map((s) => [...s][0])).size, 3);
    }
  }
  g.dispose();
}));

test('initHeadsFromData sets a ViT encoder\'s per-latent heads; a shared head is refused', () => tidy(() => {
  manualSeed(5);
  const o = { resolution: 8, inChannels: 1, m: 2, k: 4, patch: 4, dim: 8, depth: 1, heads: 2 };
  const vit = new ViTEncoder(vitEncoderOptions({ ...o, headPerLatent: true }));
  const x = randn([64, 1, 8, 8]);
  const g = new Generator(6);
  initHeadsFromData(vit, x, g, { confidence: 0.7 });
  const p = vit.eval().forward(x).softmax(-1).max(-1).mean(0).toFlatArray();
  for (const v of p) assert.ok(Math.abs(v - 0.7) < 1e-3, `mean max p ${v}`);
  assert.equal(vit.training, false, 'the mode it had is kept');
  const shared = new ViTEncoder(vitEncoderOptions(o));
  assert.throws(() => initHeadsFromData(shared, x, g), /headPerLatent/);
  for (const m of [vit, shared]) m.dispose();
  g.dispose();
}));
