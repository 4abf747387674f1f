import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IntervalStats, SIGMA_BINS, collapseWarning } from '../../src/train/interval-stats.js';

/** The lossBySigma entry of every bin, null where `losses` has none. */
const bins = (losses: Record<number, number>) =>
  SIGMA_BINS.map((e, i) => ({ sigmaBelow: e === Infinity ? null : e, loss: losses[i] ?? null }));

test('a log row holds the mean loss, the loss per σ bin and each latent\'s code usage and perplexity exp(H)', () => {
  const s = new IntervalStats({ m: 2, k: 3 });
  // Codes [B·m] flat: sample 0 → (0, 1), sample 1 → (0, 2); then (1, 0), (0, 1).
  s.add(1.5, [1, 2], [0.005, 3], [0, 1, 0, 2], 2, 0.5);
  s.add(3, [4, 2], [0.005, 100], [1, 0, 0, 1], 2, 1.5);
  s.restarts += 2;
  const row = s.flush();
  assert.equal(row.loss, 2.25);
  // σ 0.005 → bin 0 (σ < 0.01), σ 3 → bin 6 (2 ≤ σ < 5), σ 100 → the open bin 8.
  assert.deepEqual(row.lossBySigma, bins({ 0: (1 + 4) / 2, 6: 2, 8: 2 }));
  // Latent 0 saw codes 0, 0, 1, 0: counts (3, 1, 0), exp(H) = 4 / 3^(3/4). Latent 1: 1, 2, 0, 1:
  // counts (1, 2, 1), exp(H) = 2^(3/2).
  assert.deepEqual(row.codesUsed, [2, 3]);
  assert.deepEqual(row.perplexity, [Number((4 / 3 ** 0.75).toFixed(3)), Number((2 ** 1.5).toFixed(3))]);
  assert.equal(row.regularisers, 1);
  assert.equal(row.restarts, 2);
});

test('a flush starts a new interval; the running loss spans the last 50 steps across intervals', () => {
  const s = new IntervalStats({ m: 1, k: 4 });
  s.add(2, [2], [0.1], [3], 1);
  s.flush();
  assert.deepEqual(s.perplexity(), [0], 'no codes seen yet');
  const empty = s.flush();
  assert.deepEqual(empty, { loss: 0, lossBySigma: bins({}), codesUsed: [0], perplexity: [0] }, 'no regularisers or restarts keys');
  assert.equal(s.runningLoss(), 2);
  for (let i = 0; i < 49; i++) s.add(1, [1], [0.1], [0], 1);
  assert.equal(s.runningLoss(), (2 + 49) / 50);
  s.add(1, [1], [0.1], [0], 1);
  assert.equal(s.runningLoss(), 1, 'the step with loss 2 has left the window');
});

test('a plain EDM run logs no code statistics', () => {
  const s = new IntervalStats(null);
  s.add(0.5, [0.25, 0.75], [0.3, 0.4]);
  assert.deepEqual(s.flush(), { loss: 0.5, lossBySigma: bins({ 3: 0.5 }) });
});

test('the collapse warning names the latents with perplexity below 2 and points to docs/latents.md', () => {
  assert.equal(collapseWarning(300, [1.5, 3.2, 1.994], 8),
    'warning: step 300: latents 0, 2 collapsed (code perplexity 1.50, 1.99 of 8); see docs/latents.md\n');
  assert.match(collapseWarning(5, [1.2], 4)!, /latent 0 collapsed \(code perplexity 1\.20 of 4\)/);
  assert.equal(collapseWarning(5, [2, 7.5], 8), null);
  assert.equal(collapseWarning(5, [1.1], 2), null, 'with k = 2 a perplexity below 2 is normal');
  assert.equal(collapseWarning(5, undefined, 8), null, 'a plain EDM row has no perplexity');
});
