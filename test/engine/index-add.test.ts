// indexAdd (scatter-sum): forward against a hand-computed sum with repeated indices, and its
// gradient with respect to both the base tensor and the source against finite differences.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setNumThreads, tensor, tidy } from '../../src/engine/index.js';
import { gradcheck, leaf } from './gradcheck.js';

before(() => setNumThreads(1));

const idx = (v: number[]) => tensor(v, { dtype: 'int64' });

test('indexAdd along dim 0: repeated indices add up, untouched rows keep the base, the base is not modified', () => tidy(() => {
  const base = tensor([[1, 1], [2, 2], [3, 3], [4, 4]]);
  const source = tensor([[10, 20], [30, 40], [50, 60], [70, 80], [90, 100]]);
  const out = base.indexAdd(0, idx([2, 0, 2, 2, 0]), source);
  // row 0: 1 + 30 + 90, 1 + 40 + 100; row 2: 3 + 10 + 50 + 70, 3 + 20 + 60 + 80.
  assert.deepEqual(out.toArray(), [[121, 141], [2, 2], [133, 163], [4, 4]]);
  assert.deepEqual(base.toArray(), [[1, 1], [2, 2], [3, 3], [4, 4]]);
}));

test('indexAdd along dim 1 of a [2, 3] base', () => tidy(() => {
  const out = tensor([[0, 0, 0], [1, 1, 1]]).indexAdd(1, idx([1, 1, 2]), tensor([[1, 2, 4], [8, 16, 32]]));
  assert.deepEqual(out.toArray(), [[0, 3, 4], [1, 25, 33]]);
}));

test('indexAdd names the op for an index that does not match the source or points outside the base', () => tidy(() => {
  assert.throws(() => tensor([0, 0]).indexAdd(0, idx([0, 1, 1]), tensor([1, 2])), /indexAdd: .*Number of indices \(3\)/);
  assert.throws(() => tensor([0, 0]).indexAdd(0, idx([0, 5]), tensor([1, 2])), /indexAdd: index out of range/);
}));

test('grad indexAdd (float64, repeated indices) w.r.t. base and source', () => tidy(() => {
  const base = leaf([4, 3], 1);
  const source = leaf([6, 3], 2);
  const index = idx([3, 0, 3, 1, 3, 0]);
  // Squaring makes the gradient depend on the summed values, so a wrong routing would show.
  gradcheck(() => base.indexAdd(0, index, source).square(), [base, source]);
}));
