// The principal axes that draw points of any D in 2-D (src/plot/pca.ts): known directions and
// variances are recovered, also for D far above the iterated subspace; lower rank gives zero axes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, eye, randn, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { principalAxes, projectOnAxes } from '../../src/plot/pca.js';

/** |cos| of the angle between two vectors. */
const alignment = (u: Tensor, v: Tensor): number => Math.abs(u.mul(v).sum().item()) / (u.norm().item() * v.norm().item());

test('variances 9, 4, 1, 0.25, 0.01 along a rotated basis, shifted by 7: the axes are the first two directions', () => {
  tidy(() => {
    const g = new Generator(1);
    const z = randn([4000, 5], { generator: g, dtype: 'float64' }).mul(tensor([3, 2, 1, 0.5, 0.1], { dtype: 'float64' }));
    const v = tensor([[1], [2], [-1], [0.5], [3]], { dtype: 'float64' });
    const Q = eye(5, { dtype: 'float64' }).sub(v.matmul(v.mT).mul(2 / v.square().sum().item()));   // a reflection: orthogonal
    const x = z.matmul(Q).add(7);       // row i of Q is the direction of variance z_i
    const p = principalAxes(x);
    assert.deepEqual(p.axes.shape, [5, 2]);
    assert.ok(p.mean.sub(7).abs().max().item() < 0.1);
    for (const c of [0, 1]) assert.ok(alignment(p.axes.select(1, c), Q.select(0, c)) > 0.999, `axis ${c}`);
    assert.ok(p.axes.mT.matmul(p.axes).sub(eye(2, { dtype: 'float64' })).abs().max().item() < 1e-9, 'orthonormal');
    const [v1, v2] = projectOnAxes(x, p).var(0).toFlatArray();
    assert.ok(Math.abs(v1! / 9 - 1) < 0.08 && Math.abs(v2! / 4 - 1) < 0.08, `variances ${v1}, ${v2}`);
  });
});

test('D = 300: a plane of variance 25 and 9 in isotropic noise of variance 0.01 is found without the 300×300 covariance', () => {
  tidy(() => {
    const g = new Generator(2);
    const dirs = randn([2, 300], { generator: g, dtype: 'float64' });
    const u = dirs.select(0, 0).div(dirs.select(0, 0).norm());
    const w0 = dirs.select(0, 1).sub(u.mul(u.mul(dirs.select(0, 1)).sum()));
    const w = w0.div(w0.norm());
    const c = randn([3000, 2], { generator: g, dtype: 'float64' }).mul(tensor([5, 3], { dtype: 'float64' }));
    const x = c.matmul(tensor([u.toFlatArray(), w.toFlatArray()], { dtype: 'float64' }))
      .add(randn([3000, 300], { generator: g, dtype: 'float64' }).mul(0.1));
    const p = principalAxes(x);
    assert.ok(alignment(p.axes.select(1, 0), u) > 0.995 && alignment(p.axes.select(1, 1), w) > 0.995);
  });
});

test('points of rank 1 get a zero second axis; equal points get zero axes', () => {
  tidy(() => {
    const onLine = tensor([[1, 2, 3], [2, 4, 6], [3, 6, 9], [-1, -2, -3]]);
    const p = principalAxes(onLine);
    assert.ok(alignment(p.axes.select(1, 0), tensor([1, 2, 3], { dtype: 'float64' })) > 1 - 1e-12);
    assert.deepEqual(p.axes.select(1, 1).toFlatArray(), [0, 0, 0]);
    assert.deepEqual(principalAxes(tensor([[1, 2, 3], [1, 2, 3]])).axes.toFlatArray(), [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(projectOnAxes(tensor([[1, 2, 3]]), principalAxes(tensor([[1, 2, 3], [1, 2, 3]]))).toArray(), [[0, 0]]);
  });
});
