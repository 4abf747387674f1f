import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, randn, rand, tensor, tidy } from '../../src/engine/index.js';
import { EXACT_W2_MAX_DIM, sqDistMatrix, w2, w2Auto, w2Matching, slicedW2, w2Sq1d } from '../../src/metrics/ot.js';

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


test('the libtorch cost matrix |a|² + |b|² − 2abᵀ equals the plain sum of squared differences', () => {
  tidy(() => {
    const g = new Generator(7);
    const [n, m, d] = [30, 20, 7];
    const a = randn([n, d], { generator: g, dtype: 'float64' }).mul(3), b = randn([m, d], { generator: g, dtype: 'float64' }).add(1);
    const A = a.dataSync() as Float64Array, B = b.dataSync() as Float64Array;
    const fast = sqDistMatrix(a, b);
    assert.deepEqual([fast.n, fast.m, fast.cost.length], [n, m, n * m]);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += (A[i * d + k]! - B[j * d + k]!) ** 2;
        assert.ok(Math.abs(fast.cost[i * m + j]! - s) <= 1e-12 * (1 + s), `[${i}, ${j}]: ${fast.cost[i * m + j]} vs ${s}`);
      }
    }
    // Flat arrays give the same matrix; a point's distance to itself is clamped at 0, never below.
    assert.deepEqual(sqDistMatrix({ data: A, dim: d }, { data: B, dim: d }).cost, fast.cost);
    assert.ok(sqDistMatrix(a, a).cost.every((c) => c >= 0));
    assert.throws(() => sqDistMatrix(a, b.slice(1, 0, 3)), /dims differ \(7 vs 3\)/);
  });
});

test('w2Auto is the exact W2 up to EXACT_W2_MAX_DIM coordinates and the sliced W2 beyond, and says which', () => {
  tidy(() => {
    const g = new Generator(8);
    const a = randn([40, 5], { generator: g }), b = randn([40, 5], { generator: g });
    assert.deepEqual(w2Auto(a, b), { value: w2(a, b), kind: 'exact' });
    const D = EXACT_W2_MAX_DIM + 1;
    const c = randn([40, D], { generator: g }), e = c.add(0.5);
    const r = w2Auto(c, e);
    assert.deepEqual(r, { value: slicedW2(c, e), kind: 'sliced' });
    // A translate by c: each projection moves by θ·c, and E(θ·c)² = |c|²/D, so sliced W2 ≈ 0.5 (exact W2: 0.5·√D).
    assert.ok(Math.abs(r.value - 0.5) < 0.05, `sliced W2 ${r.value}`);
  });
});
