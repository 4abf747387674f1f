// The EMA refit of each code's Gaussian to the points it holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, zeros } from '../../../src/engine/index.js';
import { emaRefit } from '../../../src/disco/codebook/ema-refit.js';
import { CIRCLE, assigned, nearestTrue } from './fixtures.js';

test('emaRefit moves each code towards the mean and spread of its points', () => {
  const { points, codes } = assigned((mode) => mode, 200);
  const x = tensor(points), z = tensor(codes.map((c) => [c]), { dtype: 'int64' });
  const start = () => ({ means: tensor([CIRCLE.map((c) => [c[0]! + 0.5, c[1]!])]), logStds: zeros([1, 8]) });
  const full = start();
  emaRefit(full.means, full.logStds, x, z, 0, 1e-3);
  const mu = full.means.toArray() as number[][][], s = full.logStds.exp().toFlatArray();
  for (let j = 0; j < 8; j++) {
    assert.ok(nearestTrue(mu[0]![j]!) < 0.05, `centre ${mu[0]![j]}`);
    assert.ok(Math.abs(s[j]! - 0.2) < 0.03, `std ${s[j]}`);
  }
  const half = start();
  emaRefit(half.means, half.logStds, x, z, 0.5, 1e-3);
  assert.ok(Math.abs((half.means.toArray() as number[][][])[0]![0]![0]! - (3 + 0.25)) < 0.05, 'halfway between the old centre and the batch mean');
  assert.ok(Math.abs(half.logStds.exp().toFlatArray()[0]! - Math.sqrt(0.5 + 0.5 * 0.04)) < 0.03);
  // A code with one point moves its centre onto it but keeps its scale; codes with none keep both.
  const lone = start();
  emaRefit(lone.means, lone.logStds, x.slice(0, 0, 1), z.slice(0, 0, 1), 0, 1e-3);
  const c0 = codes[0]!, mus = lone.means.toArray() as number[][][], mu0 = start().means.toArray() as number[][][];
  assert.deepEqual(mus[0]![c0], (x.slice(0, 0, 1).toArray() as number[][])[0]);
  for (let j = 0; j < 8; j++) if (j !== c0) assert.deepEqual(mus[0]![j], mu0[0]![j]);
  assert.deepEqual(lone.logStds.toFlatArray(), start().logStds.toFlatArray());
});
