// dock(): blind and pocket docking with an untrained tiny network on 1HPV — the ranks, the pocket
// box (poses centred outside it rank after those inside) and the errors for a bad pocket.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { manualSeed, setNumThreads } from '../../src/engine/index.js';
import { readReceptorFile } from '../../src/chem/receptor.js';
import { DockingConfig } from '../../src/config/docking.js';
import { loadPoseSet } from '../../src/docking/dataset.js';
import { createScoreNet } from '../../src/docking/model.js';
import { dock } from '../../src/docking/dock.js';
import { centroid } from '../../src/pose/rigid.js';
import { symmetricRmsdMany } from '../../src/chem/rmsd.js';
import type { Vec3 } from '../../src/chem/molecule.js';

before(() => setNumThreads(1));
const DATA = join(import.meta.dirname, '..', '..', 'data', 'docking');
const cfg = DockingConfig.parse({ domain: 'docking', model: { hidden: 8, layers: 1, rbf: 4 }, sample: { n: 24, steps: 2 } });
manualSeed(0);
const net = createScoreNet(cfg);
const receptor = readReceptorFile(join(DATA, 'receptors', '1HPV.pdbqt'));
const ligand = loadPoseSet(DATA, { receptors: ['1HPV'] }).find((r) => r.id === 'crystal-478')!.mol;
const pocket = centroid(ligand.coords);

test('blind docking: n poses ranked 1…n by Vina score, each with all of the ligand\'s atoms', () => {
  const poses = dock(net, cfg, ligand, receptor, { seed: 0 });
  assert.equal(poses.length, 24);
  assert.deepEqual(poses.map((p) => p.rank), Array.from({ length: 24 }, (_, i) => i + 1));
  const scores = poses.map((p) => p.score!);
  assert.deepEqual(scores, [...scores].sort((a, b) => a - b));
  for (const p of poses) assert.equal(p.coords.length, ligand.coords.length);
});

test('a pocket box ranks the poses centred inside it first, each part in score order', () => {
  const box = 30;
  const poses = dock(net, cfg, ligand, receptor, { seed: 1, center: pocket, box });
  const inside = poses.map((p) => centroid(p.coords).every((x, k) => Math.abs(x - pocket[k]!) <= box / 2));
  const firstOut = inside.indexOf(false);
  assert.ok(inside.slice(firstOut < 0 ? inside.length : firstOut).every((v) => !v), `inside flags by rank: ${inside}`);
  assert.ok(inside.some(Boolean) && inside.some((v) => !v), `a 30 Å box about the pocket holds some poses, not all: ${inside}`);
  for (const part of [poses.filter((_, i) => inside[i]), poses.filter((_, i) => !inside[i])]) {
    const s = part.map((p) => p.score!);
    assert.deepEqual(s, [...s].sort((a, b) => a - b));
  }
  assert.deepEqual(poses.map((p) => p.rank), Array.from({ length: 24 }, (_, i) => i + 1));
});

test('a pocket box without a centre, and a centre far from every residue, are refused', () => {
  assert.throws(() => dock(net, cfg, ligand, receptor, { seed: 0, box: 10 }), /^Error: a pocket box needs a pocket centre$/);
  const far: Vec3 = [500, 500, 500];
  assert.throws(() => dock(net, cfg, ligand, receptor, { seed: 0, center: far }), /no residue within 20 Å of the pocket centre 500,500,500/);
});

test('the density ranker puts the poses with most other samples within 2 Å first, ties by Vina score', () => {
  const dense = DockingConfig.parse({ ...cfg, sample: { ...cfg.sample, ranker: 'density' } });
  const poses = dock(net, dense, ligand, receptor, { seed: 2, center: pocket });
  const xs = poses.map((p) => p.coords);
  const support = symmetricRmsdMany(ligand, xs, xs).map((row) => row.filter((d) => d < 2).length - 1);
  for (let i = 1; i < poses.length; i++) {
    assert.ok(support[i - 1]! > support[i]! || (support[i - 1] === support[i] && poses[i - 1]!.score! <= poses[i]!.score!),
      `rank ${i}: support ${support[i - 1]}, score ${poses[i - 1]!.score} before support ${support[i]}, score ${poses[i]!.score}`);
  }
});
