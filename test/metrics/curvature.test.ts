import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, liveTensors, noGrad, randn, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { curvatureAt, edmVelocity, odeCurvature, type VelocityField } from '../../src/metrics/curvature.js';

test('an exact point-mass denoiser has straight trajectories: κ ≈ 0', () => {
  tidy(() => {
    const mu = tensor([[1.0, -2.0]]);
    const G = edmVelocity((x) => mu.expand(x.size(0), 2));   // D(x, σ) = μ, so G = (x − μ)/σ
    const x = randn([64, 2], { generator: new Generator(1), dtype: 'float64' }).mul(5);
    const res = odeCurvature(G, [{ t: 5, x }, { t: 0.5, x: x.mul(0.1) }, { t: 0, x }]);
    assert.deepEqual(res.t, [5, 0.5], 't ≤ Δt is skipped');
    for (const k of res.value) assert.ok(k < 1e-6, `κ = ${k}`);
  });
});

test('a rotation field has curvature 1/r', () => {
  tidy(() => {
    const R = tensor([[0, 1], [-1, 0]], { dtype: 'float64' });    // x ↦ (−y, x) as x @ R
    const G: VelocityField = (x) => x.matmul(R);
    const r = [0.5, 1, 2, 4];
    const x = tensor(r.map((ri) => [ri, 0]), { dtype: 'float64' });
    const k = curvatureAt(G, x, 1).toFlatArray();
    r.forEach((ri, i) => assert.ok(Math.abs(k[i]! * ri - 1) < 1e-3, `r=${ri}: κ=${k[i]}`));
    const mean = odeCurvature(G, [{ t: 1, x }]).value[0]!;
    assert.ok(Math.abs(mean - r.reduce((s, ri) => s + 1 / ri, 0) / r.length) < 1e-3);
  });
});

test('curvature works inside noGrad on float32 [B, C, H, W] states and leaks nothing', () => {
  const x = randn([4, 1, 2, 2], { generator: new Generator(2) });
  const G: VelocityField = (z: Tensor) => z.mul(z).add(1);
  const before = liveTensors();
  const res = noGrad(() => odeCurvature(G, [{ t: 1, x }, { t: 0.1, x }]));
  assert.equal(res.value.length, 2);
  assert.ok(res.value.every((v) => Number.isFinite(v) && v > 0));
  assert.equal(liveTensors(), before);
  x.dispose();
});
