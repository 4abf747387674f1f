// Mean and spread of a metric over repeated draws (the W2 of vector runs reports them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairedDifference, repeated } from '../../src/metrics/repeats.js';

test('repeated: the mean and the n − 1 standard deviation; one draw has spread 0; none is an error', () => {
  const r = repeated([1, 2, 3, 4]);
  assert.equal(r.mean, 2.5);
  assert.ok(Math.abs(r.sd - Math.sqrt(5 / 3)) < 1e-15, `sd ${r.sd}`);
  assert.equal(r.draws, 4);
  assert.deepEqual(repeated([0.3]), { mean: 0.3, sd: 0, draws: 1 });
  assert.throws(() => repeated([]), /no values/);
});

test('pairedDifference: mean and standard error of b − a by draw; the verdict needs two standard errors', () => {
  const d = pairedDifference([1, 2, 3, 4], [0.5, 1.4, 2.6, 3.5]); // differences −0.5, −0.6, −0.4, −0.5
  assert.ok(Math.abs(d.mean + 0.5) < 1e-12);
  assert.ok(Math.abs(d.se - Math.sqrt(0.02 / 3) / 2) < 1e-12, `se ${d.se}`);
  assert.equal(d.verdict, 'lower');
  assert.equal(pairedDifference([1, 2], [2, 1]).verdict, 'within noise');
  assert.equal(pairedDifference([0, 0, 0], [1, 1.1, 0.9]).verdict, 'higher');
  assert.equal(pairedDifference([1], [0]).verdict, 'one draw');
  assert.throws(() => pairedDifference([1], [1, 2]), /1 and 2 draws/);
});
