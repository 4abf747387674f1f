import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, tensor, tidy } from '../../src/engine/index.js';
import { gumbelSoftmax } from '../../src/disco/gumbel.js';

test('hard Gumbel-Softmax is one-hot in the forward pass and passes gradients', () => {
  const logits = tensor([[0.5, -1, 2, 0.1], [1, 1, 1, 1]], { dtype: 'float64' }).requiresGrad_();
  const y = gumbelSoftmax(logits, { tau: 1, hard: true, noise: 1, generator: new Generator(0) });
  const v = y.toFlatArray();
  for (let r = 0; r < 2; r++) {
    const row = v.slice(4 * r, 4 * r + 4);
    assert.deepEqual([...row].sort(), [0, 0, 0, 1]);
  }
  y.mul(tensor([1, 2, 3, 4], { dtype: 'float64' })).sum().backward();
  const g = logits.grad!.toFlatArray();
  assert.ok(g.some((x) => Math.abs(x) > 1e-6), 'no gradient reached the logits');
  // Softmax Jacobian rows sum to zero: each row's gradient sums to ≈ 0.
  close(g.slice(0, 4).reduce((a, b) => a + b, 0), 0);
});

test('τ → 0 gives the argmax of logits + noise, i.e. argmax without noise for well-separated logits', () => {
  const logits = tensor([[0, 30, 0], [30, 0, 0]]);
  const y = gumbelSoftmax(logits, { tau: 0.01, hard: false, noise: 1, generator: new Generator(1) });
  assert.deepEqual(y.argmax(-1).toFlatArray(), [1, 0]);
  assert.ok(y.max(-1).min().item() > 0.999);
});

test('sample frequencies match softmax probabilities', () => {
  const p = [0.1, 0.2, 0.3, 0.4];
  const n = 20000;
  const freq = tidy(() => {
    const logits = tensor(p).log().unsqueeze(0).expand(n, 4);
    const y = gumbelSoftmax(logits, { tau: 1, hard: true, noise: 1, generator: new Generator(2) });
    return y.mean(0).toFlatArray();
  });
  freq.forEach((f, i) => assert.ok(Math.abs(f - p[i]!) < 0.015, `freq ${freq} vs ${p}`));
});

function close(a: number, b: number, tol = 1e-6): void {
  assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);
}
