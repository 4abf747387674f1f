import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, tidy } from '../../src/engine/index.js';
import { TOY_DATASETS, eightGaussians, elongatedGaussians, makeToy, weightedGaussians } from '../../src/data/toy.js';

test('every toy dataset has the right shapes and dtypes and is reproducible from a seed', () => {
  for (const name of Object.keys(TOY_DATASETS)) {
    tidy(() => {
      const a = makeToy(name, 1003, new Generator(7)), b = makeToy(name, 1003, new Generator(7));
      const c = makeToy(name, 1003, new Generator(8));
      assert.deepEqual(a.x.shape, [1003, 2], name);
      assert.equal(a.x.dtype, 'float32');
      assert.deepEqual(a.labels.shape, [1003]);
      assert.equal(a.labels.dtype, 'int64');
      assert.deepEqual(a.x.toFlatArray(), b.x.toFlatArray(), `${name}: same seed, same data`);
      assert.deepEqual(a.labels.toFlatArray(), b.labels.toFlatArray());
      assert.notDeepEqual(a.x.toFlatArray(), c.x.toFlatArray(), `${name}: other seed, other data`);
      const x = a.x.toFlatArray();
      assert.ok(x.every((v) => Number.isFinite(v) && Math.abs(v) < 6), `${name}: within [-6, 6]`);
    });
  }
  assert.throws(() => makeToy('nope', 10), /unknown dataset 'nope'/);
});

test('8 Gaussians (App. F): radius-3 circle, exact balance, per-component means and std', () => {
  tidy(() => {
    const d = eightGaussians(8000, new Generator(1));
    assert.deepEqual(d.x.shape, [8000, 2]);
    assert.equal(d.std, 0.2);
    assert.equal(d.centers!.length, 8);
    for (const [k, c] of d.centers!.entries()) {
      assert.ok(Math.abs(Math.hypot(c[0]!, c[1]!) - 3) < 1e-12);
      assert.ok(Math.abs(Math.atan2(c[1]!, c[0]!) - (k * Math.PI) / 4 + (k > 4 ? 2 * Math.PI : 0)) < 1e-12);
    }
    const x = d.x.toFlatArray(), l = d.labels.toFlatArray();
    for (let k = 0; k < 8; k++) {
      const idx = l.flatMap((v, i) => (v === k ? [i] : []));
      assert.equal(idx.length, 1000, 'exactly 1000 per component');
      const mx = idx.reduce((s, i) => s + x[2 * i]!, 0) / 1000, my = idx.reduce((s, i) => s + x[2 * i + 1]!, 0) / 1000;
      assert.ok(Math.hypot(mx - d.centers![k]![0]!, my - d.centers![k]![1]!) < 0.03, `mean of ${k}`);
      const v = idx.reduce((s, i) => s + (x[2 * i]! - mx) ** 2 + (x[2 * i + 1]! - my) ** 2, 0) / (2 * 999);
      assert.ok(Math.abs(Math.sqrt(v) - 0.2) < 0.01, `std of ${k}: ${Math.sqrt(v)}`);
    }
    const odd = eightGaussians(13, new Generator(2)).labels.toFlatArray();
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((k) => odd.filter((v) => v === k).length), [2, 2, 2, 2, 2, 1, 1, 1]);
  });
});

test('other generators: label ranges and geometry', () => {
  tidy(() => {
    const g = new Generator(3);
    const grid = makeToy('grid', 2500, g);
    assert.equal(grid.centers!.length, 25);
    assert.equal(new Set(grid.labels.toFlatArray()).size, 25);
    const moons = makeToy('moons', 1000, g), spir = makeToy('spirals', 1000, g);
    assert.deepEqual([...new Set(moons.labels.toFlatArray())].sort(), [0, 1]);
    assert.deepEqual([...new Set(spir.labels.toFlatArray())].sort(), [0, 1]);
    const cb = makeToy('checkerboard', 4000, g);
    const x = cb.x.toFlatArray();
    for (let i = 0; i < 4000; i++) {      // dark cells of a 4×4 board on [-4, 4]²: column and row parities agree
      const cx = Math.floor((x[2 * i]! + 4) / 2), cy = Math.floor((x[2 * i + 1]! + 4) / 2);
      assert.equal((cx + cy) % 2, 0);
    }
  });
});

test('weighted 8 Gaussians: weights 1 … 10 evenly spaced; exact shares, and i.i.d. draws at those frequencies', () => {
  tidy(() => {
    const d = weightedGaussians(1000, new Generator(3));
    const w = d.weights!;
    assert.ok(Math.abs(w.reduce((s, v) => s + v, 0) - 1) < 1e-12 && Math.abs(w[7]! / w[0]! - 10) < 1e-12, `weights ${w}`);
    const count = (labels: number[], k: number) => labels.filter((l) => l === k).length;
    const exact = d.labels.toFlatArray();
    w.forEach((v, k) => assert.ok(Math.abs(count(exact, k) - 1000 * v) < 1, `component ${k}: ${count(exact, k)} vs ${1000 * v}`));
    const iid = weightedGaussians(80_000, new Generator(4), { iid: true }).labels.toFlatArray();
    w.forEach((v, k) => assert.ok(Math.abs(count(iid, k) / 80_000 - v) < 0.006, `component ${k}`));
  });
});

test('elongated 8 Gaussians: each mode has std 0.5 along its radius and 0.1 across, as its covariance says', () => {
  tidy(() => {
    const d = elongatedGaussians(40_000, new Generator(5));
    const x = d.x.toArray() as number[][], labels = d.labels.toFlatArray();
    for (const k of [0, 1, 6]) {
      const pts = x.filter((_, i) => labels[i] === k).map((p) => [p[0]! - d.centers![k]![0]!, p[1]! - d.centers![k]![1]!]);
      const [c, s] = [Math.cos((k * Math.PI) / 4), Math.sin((k * Math.PI) / 4)];
      const sd = (f: (p: number[]) => number) => Math.sqrt(pts.reduce((a, p) => a + f(p) ** 2, 0) / pts.length);
      assert.ok(Math.abs(sd((p) => p[0]! * c + p[1]! * s) - 0.5) < 0.02, `mode ${k} radial`);
      assert.ok(Math.abs(sd((p) => -p[0]! * s + p[1]! * c) - 0.1) < 0.004, `mode ${k} across`);
      const cov = d.covariances![k]!;
      assert.ok(Math.abs(cov[0]![0]! * c * c + 2 * cov[0]![1]! * c * s + cov[1]![1]! * s * s - 0.25) < 1e-12, `mode ${k} covariance`);
    }
  });
});
