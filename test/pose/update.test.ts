import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atomCoord, heavyAtoms, neighbours, type Molecule, type Vec3 } from '../../src/chem/molecule.js';
import { dihedral, rotatableBonds, rotateTorsions } from '../../src/chem/torsions.js';
import { Rng } from '../../src/pose/random.js';
import { add, cross, scale, sub } from '../../src/chem/vec3.js';
import {
  applyRotation, centroid, kabsch, matMul, matrixToRotvec, matVec, randomRotation, rotvecToMatrix, translate,
} from '../../src/pose/rigid.js';
import { applyPoseUpdate, applyTorsionUpdate, randomizePose } from '../../src/pose/update.js';

/**
 * A branched chain C0…C6 with a methyl C7 on C3 and hydrogens H8 on C5 and H9 on C1, laid out as a
 * random walk of 1.5 Å steps: rotatable bonds C1–C2, C2–C3, C3–C4, C4–C5.
 */
function branchedChain(seed: number): Molecule {
  const rng = new Rng(seed);
  const parent = [-1, 0, 1, 2, 3, 4, 5, 3, 5, 1];
  const coords = new Float64Array(3 * parent.length);
  parent.forEach((p, i) => {
    if (p < 0) return;
    const z = rng.normal3();
    const step = scale(z, 1.5 / Math.hypot(...z));
    coords.set(add(atomCoord(coords, p), step), 3 * i);
  });
  return {
    title: 'branched chain',
    atoms: parent.map((_, i) => ({ element: i >= 8 ? 'H' : 'C', charge: 0 })),
    bonds: parent.flatMap((p, i) => (p < 0 ? [] : [{ a: p, b: i, order: 1 as const }])),
    coords,
    props: {},
  };
}

const mol = branchedChain(11);
const bonds = rotatableBonds(mol);
const x = mol.coords;
const heavy = heavyAtoms(mol);
const adj = neighbours(mol);

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

function distances(c: Float64Array): number[] {
  const out: number[] = [];
  const n = c.length / 3;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out.push(Math.hypot(...sub(atomCoord(c, i), atomCoord(c, j))));
  return out;
}

/** Σ (y_i − c) × (x_i − c) over the atoms: zero when y has no net rotation relative to x (Eckart). */
function netRotation(y: Float64Array, ref: Float64Array, atoms: number[]): Vec3 {
  const c = centroid(ref, atoms);
  return atoms.reduce<Vec3>((s, i) => add(s, cross(sub(atomCoord(y, i), c), sub(atomCoord(ref, i), c))), [0, 0, 0]);
}

function rmsd(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s / (a.length / 3));
}

test('the test molecule has four rotatable bonds', () => {
  assert.equal(bonds.length, 4);
});

test('a zero update is the identity', () => {
  close(applyPoseUpdate(x, bonds, { tr: [0, 0, 0], rot: [0, 0, 0], tor: [0, 0, 0, 0] }), x, 1e-12, 'zero update');
  close(applyPoseUpdate(x, [], { tr: [0, 0, 0], rot: [0, 0, 0], tor: [] }), x, 1e-14, 'no bonds');
});

test('the frame centroid moves by exactly tr, whatever the rotation and torsions', () => {
  const tr: Vec3 = [1.5, -3, 0.25];
  const update = { tr, rot: [0.4, -1.2, 2] as Vec3, tor: [0.3, -2, 1, 2.5] };
  close(sub(centroid(applyPoseUpdate(x, bonds, update)), centroid(x)), tr, 1e-12, 'all-atom centroid');
  const y = applyPoseUpdate(x, bonds, update, heavy);
  close(sub(centroid(y, heavy), centroid(x, heavy)), tr, 1e-12, 'heavy-atom centroid');
  assert.ok(Math.hypot(...sub(sub(centroid(y), centroid(x)), tr)) > 1e-3, 'the all-atom centroid is not the frame here');
});

test('a pure torsion update keeps the centroid, adds no net rotation and changes only the torsions', () => {
  const tor = [0.8, -1.5, 2.2, 3];
  for (const atoms of [undefined, heavy]) {
    const frame = atoms ?? [...Array(x.length / 3).keys()];
    const y = applyPoseUpdate(x, bonds, { tr: [0, 0, 0], rot: [0, 0, 0], tor }, atoms);
    const turned = rotateTorsions(x, bonds, tor);
    close(centroid(y, frame), centroid(x, frame), 1e-12, 'centroid');
    close(netRotation(y, x, frame), [0, 0, 0], 1e-10, 'Σ (y − c) × (x − c)');
    close(distances(y), distances(turned), 1e-12, 'internal distances');
    for (const { u, v } of bonds) {
      const a = adj[u]!.find((i) => i !== v)!;
      const d = adj[v]!.find((i) => i !== u)!;
      assert.ok(Math.abs(dihedral(y, a, u, v, d) - dihedral(turned, a, u, v, d)) < 1e-12, `dihedral ${a}-${u}-${v}-${d}`);
    }
    assert.ok(rmsd(y, x) < rmsd(turned, x) - 1e-3, 'the alignment brings the turned pose closer');
    close(kabsch(y, x, atoms).R, [1, 0, 0, 0, 1, 0, 0, 0, 1], 1e-12, 'no rotation left to remove');
  }
});

test('the rotation turns the pose rigidly about its centroid', () => {
  const rot: Vec3 = [-0.3, 2.1, 0.9];
  const y = applyPoseUpdate(x, bonds, { tr: [0, 0, 0], rot, tor: [0, 0, 0, 0] });
  close(y, applyRotation(rotvecToMatrix(rot), x, centroid(x)), 1e-12, 'R·(x − c) + c');
  const z = applyPoseUpdate(x, bonds, { tr: [2, 0, 1], rot, tor: [1, 2, 3, -1] });
  close(distances(z), distances(rotateTorsions(x, bonds, [1, 2, 3, -1])), 1e-12, 'internal distances');
});

test('updates compose: rotations multiply, translations add, torsion deltas add up to a rigid motion', () => {
  const zero = [0, 0, 0, 0];
  const a: Vec3 = [0.5, -0.2, 1.1];
  const b: Vec3 = [-1.4, 0.3, 0.6];
  const twice = applyPoseUpdate(applyPoseUpdate(x, bonds, { tr: [0, 0, 0], rot: a, tor: zero }), bonds, { tr: [0, 0, 0], rot: b, tor: zero });
  const once = applyPoseUpdate(x, bonds, { tr: [0, 0, 0], rot: matrixToRotvec(matMul(rotvecToMatrix(b), rotvecToMatrix(a))), tor: zero });
  close(twice, once, 1e-12, 'exp(b)·exp(a)');
  const moved = applyPoseUpdate(applyPoseUpdate(x, bonds, { tr: [1, 2, 3], rot: [0, 0, 0], tor: zero }), bonds, { tr: [-4, 0.5, 1], rot: [0, 0, 0], tor: zero });
  close(moved, translate(x, [-3, 2.5, 4]), 1e-12, 'tr₁ + tr₂');
  const [t1, t2] = [[0.4, -1, 2, 0.1], [1.3, 0.2, -0.7, 2]];
  const stepwise = applyPoseUpdate(applyPoseUpdate(x, bonds, { tr: [0, 0, 0], rot: a, tor: t1 }), bonds, { tr: [0, 0, 0], rot: b, tor: t2 });
  close(distances(stepwise), distances(rotateTorsions(x, bonds, t1.map((t, i) => t + t2[i]!))), 1e-12, 'tor₁ + tor₂');
});

test('the update is SE(3)-equivariant: moving the input by (Q, s) and turning tr and rot by Q moves the output by (Q, s)', () => {
  const rng = new Rng(7);
  const Q = randomRotation(rng);
  const s: Vec3 = [3, -1, 2];
  const g = (c: Float64Array): Float64Array => translate(applyRotation(Q, c), s);
  const update = { tr: [0.3, 1, -2] as Vec3, rot: [1, 0.5, -0.7] as Vec3, tor: [2, -1, 0.5, 1.5] };
  for (const atoms of [undefined, heavy]) {
    const moved = applyPoseUpdate(g(x), bonds, { tr: matVec(Q, update.tr), rot: matVec(Q, update.rot), tor: update.tor }, atoms);
    close(moved, g(applyPoseUpdate(x, bonds, update, atoms)), 1e-11, 'equivariance');
  }
});

test('applyTorsionUpdate with no bonds returns a copy', () => {
  const y = applyTorsionUpdate(x, [], []);
  assert.notEqual(y, x);
  close(y, x, 0, 'copy');
});

test('randomizePose: centroid ~ center + N(0, σ²I), uniform torsions and orientations, rigid bonds', () => {
  const rng = new Rng(8);
  const center: Vec3 = [10, -5, 2];
  const trSigma = 4;
  const n = 1500;
  const mean: Vec3 = [0, 0, 0];
  const meanSq: Vec3 = [0, 0, 0];
  let cosTorsion = 0, sinTorsion = 0;
  let direction: Vec3 = [0, 0, 0];
  for (let k = 0; k < n; k++) {
    const y = randomizePose(x, bonds, { center, trSigma }, rng, heavy);
    const c = sub(centroid(y, heavy), center);
    for (let d = 0; d < 3; d++) {
      mean[d]! += c[d]! / n;
      meanSq[d]! += c[d]! ** 2 / n;
    }
    const phi = dihedral(y, 1, 2, 3, 4);
    cosTorsion += Math.cos(phi) / n;
    sinTorsion += Math.sin(phi) / n;
    const e = sub(atomCoord(y, 6), atomCoord(y, 5));
    direction = add(direction, scale(e, 1 / (1.5 * n)));
    if (k < 10) {
      for (const { a, b } of mol.bonds) {
        assert.ok(Math.abs(Math.hypot(...sub(atomCoord(y, a), atomCoord(y, b))) - 1.5) < 1e-12, `bond ${a}-${b}`);
      }
    }
  }
  const se = trSigma / Math.sqrt(n);
  for (let d = 0; d < 3; d++) {
    assert.ok(Math.abs(mean[d]!) < 4 * se, `mean offset ${mean[d]} on axis ${d}`);
    assert.ok(Math.abs(meanSq[d]! / trSigma ** 2 - 1) < 0.15, `variance ${meanSq[d]} on axis ${d}, want ${trSigma ** 2}`);
  }
  assert.ok(Math.hypot(cosTorsion, sinTorsion) < 0.1, `E[e^{iφ}] = (${cosTorsion}, ${sinTorsion})`);
  assert.ok(Math.hypot(...direction) < 0.1, `mean bond direction ${direction}`);
});

test('randomizePose is reproducible from the seed and rejects a negative σ', () => {
  const prior = { center: [0, 0, 0] as Vec3, trSigma: 2 };
  close(randomizePose(x, bonds, prior, new Rng(3)), randomizePose(x, bonds, prior, new Rng(3)), 0, 'same seed');
  assert.throws(() => randomizePose(x, bonds, { center: [0, 0, 0], trSigma: -1 }, new Rng(3)), /trSigma must be ≥ 0/);
});
