import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, randn, rand, tensor, tidy } from '../../src/engine/index.js';
import { w2, w2Matching, slicedW2, w2Sq1d } from '../../src/metrics/ot.js';

test('W2 of a set with itself is 0, also when shuffled', () => {
  tidy(() => {
    const x = randn([200, 2], { generator: new Generator(1) });
    assert.equal(w2(x, x), 0);
    const perm = Array.from({ length: 200 }, (_, i) => (i * 37) % 200);
    const y = x.indexSelect(0, tensor(perm, { dtype: 'int64' }));
    assert.ok(w2(x, y) < 1e-12);
  });
});

test('W2 between a set and its translate by c is |c|', () => {
  tidy(() => {
    const x = randn([300, 2], { generator: new Generator(2) });
    const c = [0.3, -0.4];
    const r = w2Matching(x, x.add(tensor([c])));
    assert.ok(Math.abs(r.w2 - 0.5) < 1e-6, `${r.w2}`);
    assert.deepEqual(Array.from(r.rowToCol), Array.from({ length: 300 }, (_, i) => i), 'identity matching');
  });
});

test('W2 accepts flat arrays and checks sizes', () => {
  assert.ok(Math.abs(w2({ data: [0, 0, 1, 1], dim: 2 }, { data: [1, 1, 0, 0], dim: 2 })) < 1e-12);
  assert.throws(() => w2({ data: [0, 0], dim: 2 }, { data: [0, 0, 1, 1], dim: 2 }), /must match/);
});

test('exact W2 is at least the sliced W2, and W2 of two independent samples is small', () => {
  tidy(() => {
    const a = randn([500, 2], { generator: new Generator(3) }), b = randn([500, 2], { generator: new Generator(4) });
    const e = w2(a, b), s = slicedW2(a, b);
    assert.ok(s <= e + 1e-9, `sliced ${s} > exact ${e}`);
    assert.ok(e > 0.05 && e < 0.4, `${e}`);
  });
});

test('sliced W2 equals exact W2 on 1-D data and W2/√d on collinear data', () => {
  tidy(() => {
    const g = new Generator(5);
    const a1 = randn([200, 1], { generator: g }), b1 = rand([200, 1], { generator: g }).mul(3);
    assert.ok(Math.abs(slicedW2(a1, b1, { projections: 4 }) - w2(a1, b1)) < 1e-9);
    const dir = tensor([[0.6, 0.8]]);
    const a = a1.mul(dir), b = b1.mul(dir);      // points on a line in 2-D
    const ratio = slicedW2(a, b, { projections: 1000 }) * Math.SQRT2 / w2(a, b);
    assert.ok(Math.abs(ratio - 1) < 0.03, `ratio ${ratio}`);
  });
});

test('1-D W2² handles unequal sizes via quantiles', () => {
  assert.ok(Math.abs(w2Sq1d(Float64Array.from([0, 1]), Float64Array.from([0, 0, 1, 1])) - 0) < 1e-12);
  assert.ok(Math.abs(w2Sq1d(Float64Array.from([0]), Float64Array.from([1, 3])) - 5) < 1e-12);
});

test('exact W2 at n = 1000 on mixtures is fast', () => {
  tidy(() => {
    const g = new Generator(6);
    const centers = tensor([[3, 0], [-3, 0], [0, 3], [0, -3]]);
    const mk = () => centers.indexSelect(0, rand([1000], { generator: g }).mul(4).floor().long()).add(randn([1000, 2], { generator: g }).mul(0.2));
    const t0 = performance.now();
    const d = w2(mk(), mk());
    assert.ok(d > 0 && d < 1.5, `${d}`);
    assert.ok(performance.now() - t0 < 20_000);
  });
});

