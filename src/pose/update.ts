/**
 * The DiffDock pose update ("modify_conformer", Corso et al., ICLR 2023): a ligand pose changes by
 * torsion deltas, a rotation about its centroid and a translation, in that order, and the torsion
 * change is made free of rigid motion by Kabsch-aligning it back onto the pose before it.
 *
 * Frame atoms: the Kabsch step and the centroid use the atoms listed in `atoms` (default: all
 * atoms). DiffDock's ligand graphs hold no hydrogens, so pass heavyAtoms(mol) to follow it for a
 * ligand that carries explicit hydrogens; use the same list everywhere for one ligand.
 */
import { rotateTorsions, type RotatableBond } from '../chem/torsions.js';
import type { Vec3 } from '../chem/molecule.js';
import type { Rng } from './random.js';
import { add, scale, sub } from '../chem/vec3.js';
import { applyRotation, centroid, kabsch, randomRotation, rotvecToMatrix, translate, type Mat3 } from './rigid.js';

/** One pose update: translation tr (Å), rotation vector rot (rad; R = exp([rot]×)), torsion deltas tor (rad, one per bond). */
export interface PoseUpdate {
  tr: Vec3;
  rot: Vec3;
  tor: ArrayLike<number>;
}

/** The prior over poses: the centroid lands at center + N(0, trSigma²·I). */
export interface PosePrior {
  center: Vec3;
  trSigma: number;
}

/**
 * The torsion change alone: rotateTorsions(coords, bonds, tor), then the rigid motion (R, t) of
 * kabsch(changed, coords, atoms) applied to it, so the result keeps the input's centroid and has
 * no net rotation relative to it (Σ_i (y_i − c) × (x_i − c) = 0 over the frame atoms).
 */
export function applyTorsionUpdate(coords: Float64Array, bonds: readonly RotatableBond[], tor: ArrayLike<number>,
  atoms?: ArrayLike<number>): Float64Array {
  const changed = rotateTorsions(coords, bonds, tor);
  if (bonds.length === 0) return changed;
  const { R, t } = kabsch(changed, coords, atoms);
  return translate(applyRotation(R, changed), t);
}

/** Rotates by R about the frame centroid c, then moves that centroid to `to`: x ↦ R·(x − c) + to. */
function placeRigid(coords: Float64Array, R: Mat3, to: (c: Vec3) => Vec3, atoms?: ArrayLike<number>): Float64Array {
  const c = centroid(coords, atoms);
  return translate(applyRotation(R, coords, c), sub(to(c), c));
}

/**
 * DiffDock's pose update: (a) the torsion change, Kabsch-aligned back onto the input
 * (applyTorsionUpdate); (b) rotation by exp([rot]×) about the frame centroid c; (c) translation by
 * tr. Every atom x ends at exp([rot]×)·(x' − c) + c + tr, x' its position after (a).
 */
export function applyPoseUpdate(coords: Float64Array, bonds: readonly RotatableBond[], update: PoseUpdate,
  atoms?: ArrayLike<number>): Float64Array {
  const flexed = applyTorsionUpdate(coords, bonds, update.tor, atoms);
  return placeRigid(flexed, rotvecToMatrix(update.rot), (c) => add(c, update.tr), atoms);
}

/**
 * A draw from DiffDock's prior over poses: torsion deltas uniform on [−π, π), a rotation uniform
 * on SO(3) about the frame centroid, and the centroid placed at center + trSigma·z, z ~ N(0, I₃)
 * (drawn in that order from `rng`).
 */
export function randomizePose(coords: Float64Array, bonds: readonly RotatableBond[], prior: PosePrior, rng: Rng,
  atoms?: ArrayLike<number>): Float64Array {
  if (!(prior.trSigma >= 0)) throw new Error(`randomizePose: trSigma must be ≥ 0, got ${prior.trSigma}`);
  const tor = bonds.map(() => Math.PI * (2 * rng.uniform() - 1));
  const flexed = applyTorsionUpdate(coords, bonds, tor, atoms);
  const R = randomRotation(rng);
  const to = add(prior.center, scale(rng.normal3(), prior.trSigma));
  return placeRigid(flexed, R, () => to, atoms);
}
