// The code regularisers of Stage I: batch-perplexity diversity and per-sample entropy (loss terms on tensors).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randn, tensor, zeros } from '../../src/engine/index.js';
import { codeEntropies, diversityLoss, sampleEntropy } from '../../src/disco/model.js';
import { countsEntropy } from '../../src/metrics/code-usage.js';
import { gradcheck } from '../engine/gradcheck.js';

test('diversity loss: 0 for a uniform batch marginal, (k − 1)/k for one code, and matches a hand computation', () => {
  const k = 4;
  assert.ok(Math.abs(diversityLoss(zeros([8, 2, k])).item()) < 1e-6);
  const oneCode = tensor([[[30, 0, 0, 0]], [[30, 0, 0, 0]]]);
  assert.ok(Math.abs(diversityLoss(oneCode).item() - (k - 1) / k) < 1e-5);
  // p̄ = (0.5, 0.5, 0, 0) over a batch of two confident samples: perplexity 2 → (4 − 2)/4.
  const two = tensor([[[40, 0, 0, 0]], [[0, 40, 0, 0]]]);
  assert.ok(Math.abs(diversityLoss(two).item() - 0.5) < 1e-5);
});

test('sample entropy: 1 for uniform codes, 0 for one-hot, and its gradient matches finite differences', () => {
  assert.ok(Math.abs(sampleEntropy(zeros([3, 2, 5])).item() - 1) < 1e-6);
  assert.ok(sampleEntropy(tensor([[[60, 0, 0]], [[0, 0, 60]]])).item() < 1e-6);
  const l = randn([3, 2, 4], { dtype: 'float64' }).requiresGrad_();
  gradcheck(() => sampleEntropy(l), [l]);
  gradcheck(() => diversityLoss(l), [l]);
});

test('the marginal entropy of confident codes is the entropy of their counts (metrics/code-usage)', () => {
  // Codes 0, 0, 1, 2 with near-one-hot logits: p̄ ≈ (1/2, 1/4, 1/4).
  const logits = tensor([0, 0, 1, 2].map((c) => [[0, 1, 2].map((j) => (j === c ? 60 : 0))]));
  const { marginal } = codeEntropies(logits);
  assert.ok(Math.abs(marginal.item() - countsEntropy([2, 1, 1])) < 1e-5);
  assert.ok(Math.abs(countsEntropy([2, 1, 1]) - 1.5 * Math.LN2) < 1e-12);
});
