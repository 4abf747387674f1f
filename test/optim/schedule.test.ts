// Learning-rate schedules at given steps, and gradient clipping to a global norm.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setNumThreads, tensor, tidy } from '../../src/engine/index.js';
import { clipGradNorm, warmup, warmupCosine } from '../../src/optim/index.js';

before(() => setNumThreads(1));

const near = (got: number, want: number, tol = 1e-12): void =>
  assert.ok(Math.abs(got - want) <= tol, `got ${got}, want ${want}`);

test('warmup ramps linearly to 1 over its steps (EDM\'s lr ramp), then stays; 0 steps = constant', () => {
  const s = warmup(4);
  assert.deepEqual([0, 1, 2, 3, 4, 100].map(s), [0.25, 0.5, 0.75, 1, 1, 1]);
  assert.equal(warmup(0)(0), 1);
});

test('warmupCosine: linear warm-up, then ½(1 + cos πt) from 1 down to minRatio at total, then flat', () => {
  const s = warmupCosine(2, 10, 0.1);
  near(s(0), 0.5);
  near(s(1), 1);
  near(s(2), 1); // t = 0
  near(s(4), 0.1 + 0.9 * 0.5 * (1 + Math.SQRT1_2)); // t = 1/4
  near(s(6), 0.55); // t = 1/2: halfway between 1 and 0.1
  near(s(10), 0.1);
  near(s(50), 0.1);
  near(warmupCosine(0, 4)(4), 0);
});

test('clipGradNorm scales every gradient by maxNorm/‖g‖ when the global norm is larger, and returns ‖g‖', () => tidy(() => {
  const a = tensor([[0]], { dtype: 'float64' }).requiresGrad_(true), b = tensor([0], { dtype: 'float64' }).requiresGrad_(true);
  a.setGrad(tensor([[3]], { dtype: 'float64' }));
  b.setGrad(tensor([4], { dtype: 'float64' }));
  near(clipGradNorm([a, b], 1), 5); // ‖(3, 4)‖ = 5
  near(a.grad!.item(), 0.6, 1e-6);
  near(b.grad!.item(), 0.8, 1e-6);
  // Under the limit: unchanged.
  near(clipGradNorm([a, b], 2), 1, 1e-6);
  near(a.grad!.item(), 0.6, 1e-6);
  // No gradients at all: norm 0; a non-finite gradient: NaN, and nothing is scaled.
  const c = tensor([1]).requiresGrad_(true);
  assert.equal(clipGradNorm([c], 1), 0);
  c.setGrad(tensor([NaN]));
  assert.ok(Number.isNaN(clipGradNorm([c, a], 1)));
  near(a.grad!.item(), 0.6, 1e-6);
}));
