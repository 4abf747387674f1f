/**
 * Test helpers for pose diffusion from a point mass: a small ligand, and the exact score of the
 * noised marginal of a point mass at a pose x0 — DiffDock's perturbation kernel (Corso et al.,
 * ICLR 2023), a product of N(0, σ_tr²I) in the centroid, IGSO(3)(σ_rot) in the rotation and the
 * wrapped normal WN(0, σ_tor²) in each torsion, read off a pose x by undoing the pose update.
 */
import { neighbours, type Molecule, type Vec3 } from '../../src/chem/molecule.js';
import { dihedral, rotatableBonds, type RotatableBond } from '../../src/chem/torsions.js';
import { centroid, kabsch, matrixToRotvec } from '../../src/pose/rigid.js';
import { igso3Score } from '../../src/pose/so3.js';
import { torusScore, wrap } from '../../src/pose/torus.js';
import { applyTorsionUpdate } from '../../src/pose/update.js';
import type { PoseScores } from '../../src/pose/sampler.js';
import type { PoseSigmas } from '../../src/pose/schedule.js';

/**
 * 3-methylbutan-1-ol, (CH₃)₂CH–CH₂–CH₂–OH, with two of its hydrogens written: C0 and C5 the
 * methyls on C1, then C2, C3, O4, the hydroxyl H6 and H7 on C0. Rotatable: C1–C2 and C2–C3.
 */
export const ligand: Molecule = {
  title: '3-methylbutan-1-ol',
  atoms: ['C', 'C', 'C', 'C', 'O', 'C', 'H', 'H'].map((element) => ({ element, charge: 0 })),
  bonds: [[0, 1], [1, 2], [2, 3], [3, 4], [1, 5], [4, 6], [0, 7]].map(([a, b]) => ({ a: a!, b: b!, order: 1 as const })),
  coords: Float64Array.of(
    0, 0, 0, 1.5, 0.3, 0, 2.2, 1.6, 0.3, 3.7, 1.7, 0.1,
    4.3, 3.0, 0.4, 2.1, -0.9, -0.6, 5.2, 2.9, 0.1, -0.4, -0.6, 0.8,
  ),
  props: {},
};

/** The ligand's rotatable bonds. */
export const ligandBonds: RotatableBond[] = rotatableBonds(ligand);

/** A pose relative to a reference in the kernel's coordinates: centroid shift, rotation vector, torsion changes. */
export interface PoseOffset {
  tr: Vec3;
  rot: Vec3;
  tor: Float64Array;
}

/** Per bond u–v, a dihedral a–u–v–d over it (a a neighbour of u, d one of v). */
function dihedralAtoms(mol: Molecule, bonds: readonly RotatableBond[]): [number, number, number, number][] {
  const nbr = neighbours(mol);
  return bonds.map(({ u, v }) => [nbr[u]!.find((a) => a !== v)!, u, v, nbr[v]!.find((d) => d !== u)!]);
}

/**
 * The (tr, rot, tor) that take x0 to x: tor the wrapped dihedral changes; x0' = applyTorsionUpdate(x0, δ)
 * has x's shape; rot is the rotation (Kabsch) from x0' onto x and tr the shift of the frame centroid.
 * `atoms` are the frame atoms, as in applyPoseUpdate.
 */
export function poseOffset(mol: Molecule, bonds: readonly RotatableBond[], x0: Float64Array, x: Float64Array,
  atoms?: ArrayLike<number>): PoseOffset {
  const tor = Float64Array.from(dihedralAtoms(mol, bonds), ([a, u, v, d]) => wrap(dihedral(x, a, u, v, d) - dihedral(x0, a, u, v, d)));
  const flexed = applyTorsionUpdate(x0, bonds, tor, atoms);
  const [c, c0] = [centroid(x, atoms), centroid(x0, atoms)];
  return { tr: [c[0] - c0[0], c[1] - c0[1], c[2] - c0[2]], rot: matrixToRotvec(kabsch(flexed, x, atoms).R), tor };
}

/** The kernel's score at an offset: −tr/σ_tr², the IGSO(3) score of rot, the wrapped-normal score of each torsion. */
export function pointMassScore(o: PoseOffset, s: PoseSigmas): PoseScores {
  const k = -1 / (s.tr * s.tr);
  return { tr: [k * o.tr[0], k * o.tr[1], k * o.tr[2]], rot: igso3Score(o.rot, s.rot), tor: o.tor.map((d) => torusScore(d, s.tor)) };
}
