// Forward values of a sample of ops against numbers worked out by hand.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { F, arange, setNumThreads, tensor, tidy, type Tensor } from '../../src/engine/index.js';

before(() => setNumThreads(1));

const check = (name: string, make: () => void): void => {
  test(name, () => tidy(make));
};

/** Elementwise |a - b| <= tol, with a message showing both. */
function close(t: Tensor, want: number[], tol = 1e-6): void {
  const got = t.toFlatArray();
  assert.equal(got.length, want.length, `got ${got.length} values [${got}], want ${want.length}`);
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) <= tol, `element ${i}: got ${g}, want ${want[i]} (all: [${got}])`));
}

check('softmax of [0, ln 2] is [1/3, 2/3]; logSoftmax is its log', () => {
  const x = tensor([0, Math.LN2], { dtype: 'float64' });
  close(x.softmax(0), [1 / 3, 2 / 3], 1e-12);
  close(x.logSoftmax(0), [Math.log(1 / 3), Math.log(2 / 3)], 1e-12);
  close(x.logsumexp(), [Math.log(3)], 1e-12);
});
check('var of [1, 2, 3, 4]: unbiased 5/3, population 5/4; mean and sum', () => {
  const x = tensor([1, 2, 3, 4], { dtype: 'float64' });
  close(x.var(), [5 / 3], 1e-12);
  close(x.var(undefined, { correction: 0 }), [1.25], 1e-12);
  close(x.mean(), [2.5]);
  close(x.sum(), [10]);
  const m = tensor([[1, 2], [3, 5]]);
  close(m.var(1), [0.5, 2]);
  close(m.max(0), [3, 5]);
  close(m.norm(2, 1), [Math.sqrt(5), Math.sqrt(34)], 1e-5);
  close(m.norm(1), [11]);
});
check('conv2d of a 3×3 ramp with a 2×2 kernel, with bias, padding and stride', () => {
  const x = arange(1, 10, 1, { dtype: 'float32' }).reshape(1, 1, 3, 3); // [[1,2,3],[4,5,6],[7,8,9]]
  const w = tensor([[[[1, 0], [0, -1]]]]); // x[i,j] - x[i+1,j+1] = -4 everywhere
  close(F.conv2d(x, w), [-4, -4, -4, -4]);
  const ones = tensor([[[[1, 1], [1, 1]]]]);
  close(F.conv2d(x, ones, tensor([0.5])), [12.5, 16.5, 24.5, 28.5]);
  // padding 1, stride 2: windows at the corners see one, two or four elements.
  close(F.conv2d(x, ones, null, { padding: 1, stride: 2 }), [1, 5, 11, 28]);
  // two groups, one channel each: the second channel is scaled by 2.
  const x2 = tensor([[[[1, 2], [3, 4]], [[1, 1], [1, 1]]]]);
  const w2 = tensor([[[[1]]], [[[2]]]]);
  close(F.conv2d(x2, w2, null, { groups: 2 }), [1, 2, 3, 4, 2, 2, 2, 2]);
});
check('convTranspose2d scatters each input into a kernel-sized patch', () => {
  const x = tensor([[[[1, 2]]]]);
  const w = tensor([[[[1, 10]]]]);
  close(F.convTranspose2d(x, w, null, { stride: [1, 2] }), [1, 10, 2, 20]);
  close(F.convTranspose2d(x, w), [1, 12, 20]);
});
check('layerNorm of [1, 2, 3] is [-√1.5, 0, √1.5], then the affine', () => {
  const x = tensor([[1, 2, 3]], { dtype: 'float64' });
  const s = Math.sqrt(1.5) * Math.sqrt(2 / 3 / (2 / 3 + 1e-5)); // σ² = 2/3, eps = 1e-5
  close(F.layerNorm(x, [3]), [-s, 0, s], 1e-12);
  close(F.layerNorm(x, [3], tensor([1, 2, 3], { dtype: 'float64' }), tensor([0, 1, 0], { dtype: 'float64' })),
    [-s, 1, 3 * s], 1e-12);
});
check('groupNorm normalises each group of channels', () => {
  const x = tensor([[[1, 3], [10, 10], [0, 4], [2, 2]]], { dtype: 'float64' }).reshape(1, 4, 2, 1);
  // group 0 = {1, 3, 10, 10}: mean 6, var 16.5; group 1 = {0, 4, 2, 2}: mean 2, var 2.
  const a = 1 / Math.sqrt(16.5 + 1e-5), b = 1 / Math.sqrt(2 + 1e-5);
  close(F.groupNorm(x, 2), [-5 * a, -3 * a, 4 * a, 4 * a, -2 * b, 2 * b, 0, 0], 1e-12);
});
check('crossEntropy: hard targets, one-hot soft targets agree, uniform soft target', () => {
  const logits = tensor([[0, Math.LN2], [Math.LN2, 0]], { dtype: 'float64' }); // p = [1/3, 2/3], [2/3, 1/3]
  const hard = tensor([1, 1], { dtype: 'int64' });
  close(F.crossEntropy(logits, hard), [-(Math.log(2 / 3) + Math.log(1 / 3)) / 2], 1e-12);
  close(F.crossEntropy(logits, hard, { reduction: 'none' }), [-Math.log(2 / 3), -Math.log(1 / 3)], 1e-12);
  close(F.crossEntropy(logits, hard, { reduction: 'sum' }), [-(Math.log(2 / 3) + Math.log(1 / 3))], 1e-12);
  const oneHot = tensor([[0, 1], [0, 1]], { dtype: 'float64' });
  close(F.crossEntropy(logits, oneHot), [-(Math.log(2 / 3) + Math.log(1 / 3)) / 2], 1e-12);
  const uniform = tensor([[0.5, 0.5], [0.5, 0.5]], { dtype: 'float64' });
  close(F.crossEntropy(logits, uniform), [-0.5 * (Math.log(1 / 3) + Math.log(2 / 3))], 1e-12);
  // label smoothing ε = 0.2 with 2 classes: target [0.1, 0.9] for class 1.
  close(F.crossEntropy(logits.slice(0, 0, 1), hard.slice(0, 0, 1), { labelSmoothing: 0.2 }),
    [-(0.1 * Math.log(1 / 3) + 0.9 * Math.log(2 / 3))], 1e-12);
});
check('mseLoss mean / sum / none', () => {
  const a = tensor([1, 2, 3]), b = tensor([1, 0, 6]);
  close(F.mseLoss(a, b), [13 / 3], 1e-6);
  close(F.mseLoss(a, b, 'sum'), [13]);
  close(F.mseLoss(a, b, 'none'), [0, 4, 9]);
});
check('interpolate nearest ×2 repeats pixels; bilinear alignCorners interpolates the ends', () => {
  const x = tensor([[[[1, 2], [3, 4]]]]);
  const up = F.interpolate(x, { scale: 2 });
  assert.deepEqual(up.shape, [1, 1, 4, 4]);
  assert.deepEqual(up.toArray(), [[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]);
  const row = tensor([[[[0, 1]]]]);
  close(F.interpolate(row, { size: [1, 3], mode: 'bilinear', alignCorners: true }), [0, 0.5, 1]);
  close(F.interpolate(row, { size: [1, 4], mode: 'bilinear' }), [0, 0.25, 0.75, 1]);
});
check('avgPool2d and maxPool2d of a 4×4 ramp', () => {
  const x = arange(0, 16, 1, { dtype: 'float32' }).reshape(1, 1, 4, 4);
  close(F.avgPool2d(x, 2), [2.5, 4.5, 10.5, 12.5]);
  close(F.maxPool2d(x, 2), [5, 7, 13, 15]);
});
check('matmul, linear, embedding, gather, pad, where, flip, repeat by hand', () => {
  const a = tensor([[1, 2], [3, 4]]), b = tensor([[5, 6], [7, 8]]);
  close(a.matmul(b), [19, 22, 43, 50]);
  close(F.linear(a, b, tensor([1, -1])), [18, 22, 40, 52]); // a bᵀ + bias
  close(F.embedding(b, tensor([1, 0, 1], { dtype: 'int64' })), [7, 8, 5, 6, 7, 8]);
  close(a.gather(1, tensor([[1, 1], [0, 1]], { dtype: 'int64' })), [2, 2, 3, 4]);
  close(F.pad(tensor([[1, 2]]), [1, 2], 9), [9, 1, 2, 9, 9]);
  close(a.flip(1), [2, 1, 4, 3]);
  close(tensor([1, 2]).repeat(2), [1, 2, 1, 2]);
  close(tensor([1, 2, 3]).split([2, 1])[1]!, [3]);
});
check('scaledDotProductAttention: causal first query sees only the first value', () => {
  const q = tensor([[[1, 0], [0, 1], [1, 1]]]);
  const k = tensor([[[1, 0], [0, 1], [1, 1]]]);
  const v = tensor([[[1, 2], [3, 4], [5, 6]]]);
  const out = F.scaledDotProductAttention(q, k, v, { causal: true });
  close(out.select(1, 0), [1, 2]);
  // second query: scores [0, 1]/√2 over the first two values.
  const p = 1 / (1 + Math.exp(-1 / Math.SQRT2));
  close(out.select(1, 1), [1 * (1 - p) + 3 * p, 2 * (1 - p) + 4 * p], 1e-6);
});

test('tensor(): int64 from numbers keeps every integer a double holds (both 32-bit halves, negatives), truncates fractions, rejects the rest', () => {
  const v = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 32 - 1, 2 ** 32, -(2 ** 32) - 1, 2 ** 53 - 1, -(2 ** 53), 2 ** 60 + 2 ** 40, -(2 ** 63), 7.9, -7.9];
  const t = tensor(v, { shape: [v.length], dtype: 'int64' });
  assert.deepEqual(t.toFlatArray(), v.map(Math.trunc));
  t.dispose();
  const nested = tensor([[1, 2], [3, 4]], { dtype: 'int64' });
  assert.deepEqual(nested.toArray(), [[1, 2], [3, 4]]);
  nested.dispose();
  assert.throws(() => tensor([1, NaN], { dtype: 'int64' }), /int64 values must be finite and within \[−2\^63, 2\^63\), got NaN/);
  assert.throws(() => tensor([2 ** 63], { dtype: 'int64' }), /int64 values must be finite/);
  assert.throws(() => tensor([-Infinity], { dtype: 'int64' }), /int64 values must be finite/);
  assert.throws(() => tensor([1, [2, 3]] as never, { dtype: 'int64' }), /3 values do not fill shape \[2\]/);
});
