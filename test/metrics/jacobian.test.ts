import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, liveTensors, noGrad, randn, tensor, tidy } from '../../src/engine/index.js';
import { jacobianFrobSqAt, jacobianNorm } from '../../src/metrics/jacobian.js';
import { edmVelocity, type VelocityField } from '../../src/metrics/curvature.js';

test('exact Jacobian norm of G(x) = A x is ||A||_F², also under noGrad', () => {
  tidy(() => {
    const A = tensor([[1, 2, 0], [-1, 0.5, 3], [0, 0, 2]], { dtype: 'float64' });
    const fro = A.square().sum().item();
    const G: VelocityField = (x) => x.matmul(A.mT);
    const x = randn([5, 3], { generator: new Generator(1), dtype: 'float64' });
    const per = jacobianFrobSqAt(G, x, 1).toFlatArray();
    for (const v of per) assert.ok(Math.abs(v - fro) < 1e-9, `${v} vs ${fro}`);
    const res = noGrad(() => jacobianNorm(G, [{ t: 2, x }, { t: 0, x }]));
    assert.deepEqual(res.t, [2]);
    assert.ok(Math.abs(res.value[0]! - fro) < 1e-9);
  });
});

test('Hutchinson estimate of ||A||_F² is within tolerance', () => {
  tidy(() => {
    const d = 20;
    const A = randn([d, d], { generator: new Generator(2), dtype: 'float64' });
    const fro = A.square().sum().item();
    const G: VelocityField = (x) => x.matmul(A.mT);
    const x = randn([200, d], { generator: new Generator(3), dtype: 'float64' });
    const est = jacobianNorm(G, [{ t: 1, x }], { probes: 4, generator: new Generator(4) }).value[0]!;
    assert.ok(Math.abs(est / fro - 1) < 0.05, `${est} vs ${fro}`);
    const exact = jacobianNorm(G, [{ t: 1, x }], { exactMaxDim: 32 }).value[0]!;
    assert.ok(Math.abs(exact / fro - 1) < 1e-9);
  });
});

test('Jacobian of a nonlinear image-shaped field: exact diagonal, no leaks', () => {
  const x = randn([3, 1, 2, 2], { generator: new Generator(5) });
  const G: VelocityField = (z) => z.tanh().mul(2);       // J = diag(2(1 − tanh²))
  const before = liveTensors();
  const got = jacobianFrobSqAt(G, x, 1);
  const want = tidy(() => x.tanh().square().rsub(1).mul(2).square().flatten(1).sum(1));
  const [g, w] = [got.toFlatArray(), want.toFlatArray()];
  g.forEach((v, i) => assert.ok(Math.abs(v - w[i]!) < 1e-5));
  got.dispose(); want.dispose();
  assert.equal(liveTensors(), before);
  x.dispose();
});

test('Jacobian of the EDM velocity of a linear denoiser is ||I − A||_F²/σ²', () => {
  tidy(() => {
    const A = tensor([[0.5, 0.1], [-0.2, 0.3]], { dtype: 'float64' });
    const G = edmVelocity((x) => x.matmul(A.mT));
    const x = randn([4, 2], { generator: new Generator(6), dtype: 'float64' });
    const want = tensor([[0.5, -0.1], [0.2, 0.7]], { dtype: 'float64' }).square().sum().item() / 4;
    const got = noGrad(() => jacobianNorm(G, [{ t: 2, x }])).value[0]!;
    assert.ok(Math.abs(got - want) < 1e-12, `${got} vs ${want}`);
  });
});
