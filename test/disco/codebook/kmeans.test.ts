// k-means on tensor rows: k-means++ seeding, Lloyd steps, best of `tries` by inertia.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, manualSeed, randn, setNumThreads, tensor, tidy } from '../../../src/engine/index.js';
import { kmeans, sqDistances } from '../../../src/disco/codebook/kmeans.js';
import { groupBy, spread } from '../../../src/disco/codebook/points.js';
import { eightGaussians } from '../../../src/data/toy.js';
import { CIRCLE, nearestTrue } from './fixtures.js';

before(() => setNumThreads(1));

test('k-means finds the 8 Gaussian means, one centre each, and their spread', () => tidy(() => {
  const g = new Generator(5);
  const x = eightGaussians(2000, g).x.double();
  const { centres, labels } = kmeans(x, 8, g, { iters: 25, tries: 5 });
  const c = centres.toArray() as number[][];
  for (const ci of c) assert.ok(nearestTrue(ci) < 0.05, `centre ${ci} is not at a true mean`);
  const owners = new Set(c.map((ci) => CIRCLE.findIndex((t) => Math.hypot(ci[0]! - t[0]!, ci[1]! - t[1]!) < 0.05)));
  assert.equal(owners.size, 8);
  groupBy(x.toArray() as number[][], labels.toFlatArray(), 8)
    .forEach((m, j) => assert.ok(Math.abs(spread(m, c[j]!) - 0.2) < 0.02, `std of cluster ${j}`));
  g.dispose();
}));

test('k-means finds separated clusters in 4-D; labels are the nearest centres and inertia their sum of squares', () => tidy(() => {
  manualSeed(1);
  const truth = tensor([[5, 0, 0, 0], [0, 5, 0, 0], [0, 0, 0, -5]]);
  const x = randn([3, 40, 4]).mul(0.1).add(truth.unsqueeze(1)).reshape(120, 4);
  const g = new Generator(2);
  const { centres, labels, inertia } = kmeans(x, 3, g);
  const d = truth.unsqueeze(1).sub(centres.unsqueeze(0)).square().sum(2).sqrt(); // (3, 3)
  for (const row of d.toArray() as number[][]) assert.ok(Math.min(...row) < 0.1, `distances ${row}`);
  const d2 = sqDistances(x, centres);
  assert.deepEqual(labels.toFlatArray(), d2.argmin(1).toFlatArray());
  assert.ok(Math.abs(inertia - d2.min(1).sum().item()) < 1e-4);
  // Each true cluster is one label.
  const l = labels.toFlatArray();
  for (let j = 0; j < 3; j++) assert.equal(new Set(l.slice(40 * j, 40 * j + 40)).size, 1);
  assert.throws(() => kmeans(x.slice(0, 0, 2), 3, g), /2 points for 3 centres/);
  g.dispose();
}));

test('k-means: the same generator seed gives the same centres; more tries never give a worse inertia', () => tidy(() => {
  manualSeed(3);
  const x = randn([200, 2], { dtype: 'float64' });
  const run = (tries: number) => {
    const g = new Generator(9);
    const r = kmeans(x, 6, g, { tries });
    g.dispose();
    return r;
  };
  assert.deepEqual(run(1).centres.toFlatArray(), run(1).centres.toFlatArray());
  // tries = 4 draws the tries = 1 seeding first, then three more: it keeps the best.
  assert.ok(run(4).inertia <= run(1).inertia + 1e-12);
}));

test('sqDistances matches ‖x − c‖² by hand', () => tidy(() => {
  const d = sqDistances(tensor([[0, 0], [1, 2]]), tensor([[3, 4], [1, 0]])).toArray() as number[][];
  assert.deepEqual(d, [[25, 1], [8, 4]]);
}));
