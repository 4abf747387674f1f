// Gradients of the neural-network functions (F.*) against finite differences.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { F, setNumThreads, tensor, tidy } from '../../src/engine/index.js';
import { gradcheck, leaf } from './gradcheck.js';

// Tiny tensors: extra threads only add synchronisation (and noise on a shared machine).
before(() => setNumThreads(1));

const check = (name: string, make: () => void): void => {
  test(name, () => tidy(make));
};

check('grad conv2d: stride 2, padding 1, groups 2, bias', () => {
  const x = leaf([2, 4, 5, 5], 100), w = leaf([6, 2, 3, 3], 101), b = leaf([6], 102);
  assert.deepEqual(F.conv2d(x, w, b, { stride: 2, padding: 1, groups: 2 }).shape, [2, 6, 3, 3]);
  gradcheck(() => F.conv2d(x, w, b, { stride: 2, padding: 1, groups: 2 }), [x, w, b]);
});
check('grad conv2d: rectangular stride/padding, dilation, no bias', () => {
  const x = leaf([1, 2, 6, 5], 103), w = leaf([3, 2, 2, 3], 104);
  gradcheck(() => F.conv2d(x, w, null, { stride: [1, 2], padding: [2, 0], dilation: 2 }), [x, w]);
});
check('grad convTranspose2d: stride 2, padding 1, outputPadding 1, bias', () => {
  const x = leaf([2, 2, 3, 3], 105), w = leaf([2, 3, 3, 3], 106), b = leaf([3], 107);
  const o = { stride: 2, padding: 1, outputPadding: 1 };
  assert.deepEqual(F.convTranspose2d(x, w, b, o).shape, [2, 3, 6, 6]);
  gradcheck(() => F.convTranspose2d(x, w, b, o), [x, w, b]);
});
check('grad convTranspose2d with groups', () => {
  const x = leaf([1, 4, 3, 3], 108), w = leaf([4, 1, 2, 2], 109);
  gradcheck(() => F.convTranspose2d(x, w, null, { stride: 2, groups: 2 }), [x, w]);
});
check('grad avgPool2d: kernel 2; kernel 3 stride 2 padding 1', () => {
  const x = leaf([2, 2, 5, 6], 110);
  gradcheck(() => F.avgPool2d(x, 2), [x]);
  gradcheck(() => F.avgPool2d(x, 3, 2, 1), [x]);
});
check('grad maxPool2d', () => {
  const x = leaf([1, 2, 4, 4], 111);
  gradcheck(() => F.maxPool2d(x, 2), [x]);
});
check('grad interpolate nearest ×2 and to a size', () => {
  const x = leaf([2, 2, 3, 3], 112);
  gradcheck(() => F.interpolate(x, { scale: 2 }), [x]);
  gradcheck(() => F.interpolate(x, { size: [5, 4] }), [x]);
});
check('grad interpolate bilinear, alignCorners false and true', () => {
  const x = leaf([1, 2, 3, 4], 113);
  gradcheck(() => F.interpolate(x, { size: [5, 7], mode: 'bilinear' }), [x]);
  gradcheck(() => F.interpolate(x, { scale: 2, mode: 'bilinear', alignCorners: true }), [x]);
});
check('grad groupNorm with affine, and without', () => {
  const x = leaf([2, 4, 3, 3], 114), w = leaf([4], 115, { shift: 1 }), b = leaf([4], 116);
  gradcheck(() => F.groupNorm(x, 2, w, b), [x, w, b]);
  gradcheck(() => F.groupNorm(x, 4), [x]);
});
check('grad layerNorm over the last dim and the last two dims', () => {
  const x = leaf([2, 3, 4], 117), w = leaf([4], 118, { shift: 1 }), b = leaf([4], 119);
  gradcheck(() => F.layerNorm(x, [4], w, b), [x, w, b]);
  const w2 = leaf([3, 4], 120, { shift: 1 });
  gradcheck(() => F.layerNorm(x, [3, 4], w2), [x, w2]);
});
check('grad embedding: weight gradient accumulates repeated indices', () => {
  const w = leaf([5, 3], 121);
  const idx = tensor([[0, 4, 4], [2, 0, 0]], { dtype: 'int64' });
  assert.deepEqual(F.embedding(w, idx).shape, [2, 3, 3]);
  gradcheck(() => F.embedding(w, idx), [w]);
});
check('grad mseLoss with mean, sum and none', () => {
  const a = leaf([3, 4], 122), b = leaf([3, 4], 123);
  gradcheck(() => F.mseLoss(a, b), [a, b]);
  gradcheck(() => F.mseLoss(a, b, 'sum'), [a, b]);
  gradcheck(() => F.mseLoss(a, b, 'none'), [a, b]);
});
check('grad crossEntropy with hard int64 targets (mean, sum, none, label smoothing)', () => {
  const logits = leaf([4, 5], 124);
  const target = tensor([0, 3, 4, 3], { dtype: 'int64' });
  gradcheck(() => F.crossEntropy(logits, target), [logits]);
  gradcheck(() => F.crossEntropy(logits, target, { reduction: 'sum' }), [logits]);
  gradcheck(() => F.crossEntropy(logits, target, { reduction: 'none' }), [logits]);
  gradcheck(() => F.crossEntropy(logits, target, { labelSmoothing: 0.1 }), [logits]);
});
check('grad crossEntropy with soft probability targets (gradient also w.r.t. the targets)', () => {
  const logits = leaf([3, 4], 125);
  const raw = leaf([3, 4], 126);
  gradcheck(() => F.crossEntropy(logits, raw.softmax(-1)), [logits, raw]);
});
check('grad crossEntropy over [B, C, H] logits (per-position classes)', () => {
  const logits = leaf([2, 3, 4], 127);
  const target = tensor([[0, 1, 2, 1], [2, 2, 0, 1]], { dtype: 'int64' });
  gradcheck(() => F.crossEntropy(logits, target), [logits]);
});
check('grad scaledDotProductAttention: plain, causal, boolean mask, Tq ≠ Tk', () => {
  const q = leaf([2, 3, 4], 128), k = leaf([2, 3, 4], 129), v = leaf([2, 3, 4], 130);
  gradcheck(() => F.scaledDotProductAttention(q, k, v), [q, k, v]);
  gradcheck(() => F.scaledDotProductAttention(q, k, v, { causal: true }), [q, k, v]);
  const mask = tensor([[true, false, true], [true, true, false], [false, true, true]], { dtype: 'bool' });
  gradcheck(() => F.scaledDotProductAttention(q, k, v, { mask }), [q, k, v]);
  const k5 = leaf([2, 5, 4], 131), v5 = leaf([2, 5, 4], 132);
  gradcheck(() => F.scaledDotProductAttention(q, k5, v5, { causal: true }), [q, k5, v5]);
});
