// The pose data set's mode selection (scripts/docking/modes.ts) against hand-computed cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boltzmannWeights, distinctModes, rmsd } from '../../scripts/docking/modes.js';
import type { Vec3 } from '../../scripts/docking/molfile.js';

const shift = (pose: Vec3[], d: Vec3): Vec3[] => pose.map(([x, y, z]) => [x + d[0], y + d[1], z + d[2]]);
const pose: Vec3[] = [[0, 0, 0], [1.5, 0, 0], [1.5, 1.5, 0]];

test('rmsd of a pose moved by (1, 2, 2) is 3 Å; mismatched atom counts are refused', () => {
  assert.equal(rmsd(pose, shift(pose, [1, 2, 2])), 3);
  assert.equal(rmsd(pose, pose), 0);
  assert.throws(() => rmsd(pose, pose.slice(1)), /3 vs 2 atoms/);
});

test('distinct modes: within the energy window, ≥ minRmsd from every better kept mode, best first', () => {
  const affinities = [-9.0, -10.0, -9.9, -8.0, -9.5];
  const poses = [shift(pose, [5, 0, 0]), pose, shift(pose, [1, 0, 0]), shift(pose, [9, 0, 0]), shift(pose, [5.5, 0, 0])];
  // −10.0 kept; −9.9 is 1 Å from it; −9.5 is 5.5 Å away: kept; −9.0 is 0.5 Å from −9.5; −8.0 is outside 1.5 kcal/mol.
  assert.deepEqual(distinctModes(affinities, poses, 1.5, 2), [1, 4]);
  assert.deepEqual(distinctModes(affinities, poses, 2.5, 2), [1, 4, 3]);
  assert.deepEqual(distinctModes(affinities, poses, 1.5, 0.5), [1, 2, 4, 0]);
});

test('Boltzmann weights: modes RT·ln 2 apart weigh 2 : 1, and the weights sum to 1', () => {
  const rt = 1.987204e-3 * 298;
  const w = boltzmannWeights([-10, -10 + rt * Math.log(2)], 298);
  assert.ok(Math.abs(w[0]! - 2 / 3) < 1e-12 && Math.abs(w[1]! - 1 / 3) < 1e-12, String(w));
  const many = boltzmannWeights([-8, -9, -7.5, -9], 298);
  assert.ok(Math.abs(many.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.equal(many[1], many[3]);
});
