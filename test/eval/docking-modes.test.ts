// How far sampled poses' modes are from the reference weights (src/eval/docking.ts), and the uniform
// latents of the random-z baseline (src/docking/pointers.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modeFrequencyDistance } from '../../src/eval/docking.js';
import { uniformCodes } from '../../src/docking/pointers.js';
import { Rng } from '../../src/pose/random.js';

test('modeFrequencyDistance: total variation between the hit modes and the weights; misses left out; null without hits', () => {
  // 4 poses × 2 modes: two hit mode 0, one hits mode 1, one misses (all ≥ 2 Å).
  const d = [[0.5, 5], [1.9, 3], [4, 0.2], [2.5, 2.1]];
  // f = (2/3, 1/3), w = (0.5, 0.5) after normalising (1, 1): ½(|2/3 − 1/2| + |1/3 − 1/2|) = 1/6.
  assert.ok(Math.abs(modeFrequencyDistance(d, [1, 1], 2)! - 1 / 6) < 1e-12);
  assert.equal(modeFrequencyDistance(d, [2, 1], 2), 0);
  assert.equal(modeFrequencyDistance([[3, 4]], [1, 1], 2), null);
  assert.ok(Math.abs(modeFrequencyDistance([[0.1, 9], [0.3, 8]], [0, 1], 2)! - 1) < 1e-12, 'all on a mode of weight 0: the largest distance');
});

test('uniformCodes: every class of the complex, and only those, about equally often', () => {
  const codes = uniformCodes(3, 5, 2, 4000, new Rng(7));
  assert.equal(codes.length, 4000);
  const counts = new Array(8).fill(0);
  for (const z of codes) for (const c of z) { assert.ok(Number.isInteger(c) && c >= 0 && c < 8); counts[c]++; }
  for (const n of counts) assert.ok(Math.abs(n - 1000) < 120, `counts ${counts}`);
});
