/**
 * Local refinement of docked poses: each pose's Vina energy (intermolecular, Trott & Olson 2010, plus
 * the ligand's intramolecular terms between atoms more than three bonds apart) minimised over the
 * pose's degrees of freedom — translation, rotation about the centroid, torsions — by BFGS with a
 * backtracking line search, as AutoDock Vina's local search does after each of its Monte Carlo
 * moves. Sampled poses land near a mode; a few dozen steps put them at its energy minimum, where
 * Vina's score can rank them.
 *
 * Each step changes the pose by an increment s = (t, ω, φ) from where it is: the moving sides of
 * the rotatable bonds turn by φ (right-handed about u → v), then the pose turns by exp([ω]×) about
 * its centroid and moves by t. At s = 0 the gradient of E is the per-atom gradient g_k reduced as
 *   ∂E/∂t = Σ_k g_k,   ∂E/∂ω = Σ_k (x_k − c) × g_k,   ∂E/∂φ_b = n_b · Σ_{k moved by b} (x_k − x_v) × g_k.
 */
import type { Molecule } from '../chem/molecule.js';
import { neighbours } from '../chem/molecule.js';
import { ligandXsTypes } from '../chem/xs-types.js';
import { rotateTorsions, type RotatableBond } from '../chem/torsions.js';
import { add, cross, dot, scale, sub } from '../chem/vec3.js';
import { applyRotation, centroid, rotvecToMatrix, translate } from '../pose/rigid.js';
import { interEnergyAndGradient, intraEnergyAndGradient, typeIndices, type ScoringReceptor } from './vina-score.js';

/** A ligand prepared for refinement: its atom types, rotatable bonds, frame atoms and intramolecular pairs. */
export interface RefineLigand {
  codes: Int8Array;
  bonds: readonly RotatableBond[];
  /** Atoms whose centroid is the rotation centre (the heavy atoms). */
  frame: ArrayLike<number>;
  /** Typed atom pairs more than three bonds apart, flat (i, j). */
  pairs: Int32Array;
}

/** Types, bonds and the intramolecular pairs of `mol` (pairs more than three bonds apart, hydrogens left out). */
export function refineLigand(mol: Pick<Molecule, 'atoms' | 'bonds'>, bonds: readonly RotatableBond[], frame: ArrayLike<number>): RefineLigand {
  const codes = typeIndices(ligandXsTypes(mol));
  const adj = neighbours(mol);
  const pairs: number[] = [];
  for (let i = 0; i < codes.length; i++) {
    if (codes[i]! < 0) continue;
    const depth = new Map<number, number>([[i, 0]]);
    const queue = [i];
    for (let q = 0; q < queue.length; q++) {
      const a = queue[q]!;
      if (depth.get(a)! >= 3) continue;
      for (const b of adj[a]!) if (!depth.has(b)) { depth.set(b, depth.get(a)! + 1); queue.push(b); }
    }
    for (let j = i + 1; j < codes.length; j++) if (codes[j]! >= 0 && !depth.has(j)) pairs.push(i, j);
  }
  return { codes, bonds, frame, pairs: Int32Array.from(pairs) };
}

/** The pose's Vina energy (inter + intra, kcal/mol) and its gradient with respect to every atom. */
export function poseEnergy(sr: ScoringReceptor, lig: RefineLigand, coords: Float64Array, grad: Float64Array): number {
  const inter = interEnergyAndGradient(sr, lig.codes, coords, grad);
  return inter + intraEnergyAndGradient(lig.codes, lig.pairs, coords, grad);
}

/** The pose after increment s = [t (3), ω (3), φ (one per bond)] (see above). */
export function applyIncrement(lig: RefineLigand, coords: Float64Array, s: ArrayLike<number>): Float64Array {
  const flexed = lig.bonds.length ? rotateTorsions(coords, lig.bonds, Array.from({ length: lig.bonds.length }, (_, b) => s[6 + b]!)) : coords;
  const c = centroid(flexed, lig.frame);
  const turned = applyRotation(rotvecToMatrix([s[3]!, s[4]!, s[5]!]), flexed, c);
  return translate(turned, [s[0]!, s[1]!, s[2]!]);
}

/** ∂E/∂s at s = 0 from the per-atom gradient g (see above). */
export function incrementGradient(lig: RefineLigand, coords: Float64Array, g: Float64Array): Float64Array {
  const out = new Float64Array(6 + lig.bonds.length);
  const c = centroid(coords, lig.frame);
  const at = (k: number): [number, number, number] => [coords[3 * k]!, coords[3 * k + 1]!, coords[3 * k + 2]!];
  const gk = (k: number): [number, number, number] => [g[3 * k]!, g[3 * k + 1]!, g[3 * k + 2]!];
  let tr: [number, number, number] = [0, 0, 0], rot: [number, number, number] = [0, 0, 0];
  for (let k = 0; k < coords.length / 3; k++) {
    tr = add(tr, gk(k));
    rot = add(rot, cross(sub(at(k), c), gk(k)));
  }
  out.set(tr, 0);
  out.set(rot, 3);
  lig.bonds.forEach(({ u, v, moving }, b) => {
    const axis = sub(at(v), at(u));
    const n = scale(axis, 1 / Math.sqrt(dot(axis, axis)));
    let torque: [number, number, number] = [0, 0, 0];
    for (const k of moving) torque = add(torque, cross(sub(at(k), at(v)), gk(k)));
    out[6 + b] = dot(n, torque);
  });
  return out;
}

/** Refinement settings. */
export interface RefineOptions {
  /** BFGS iterations (each one gradient and a few energies). */
  iterations: number;
}

/** A refined pose: its coordinates and its Vina energy (inter + intra) before and after. */
export interface RefinedPose {
  coords: Float64Array;
  before: number;
  after: number;
}

/**
 * Minimises the pose's energy from `coords` by BFGS on increments (the inverse Hessian estimate
 * starts as a diagonal that makes a unit step move atoms by about 0.1 Å) with Armijo backtracking.
 */
export function refinePose(sr: ScoringReceptor, lig: RefineLigand, coords: Float64Array, o: RefineOptions): RefinedPose {
  const n = 6 + lig.bonds.length;
  const g = new Float64Array(coords.length);
  let x = coords;
  let e = poseEnergy(sr, lig, x, g);
  const before = e;
  let grad = incrementGradient(lig, x, g);
  // Initial inverse Hessian: 0.1 Å of motion per unit of gradient step in every coordinate kind.
  const c = centroid(x, lig.frame);
  let radius = 0;
  for (let k = 0; k < x.length / 3; k++) radius = Math.max(radius, Math.hypot(x[3 * k]! - c[0], x[3 * k + 1]! - c[1], x[3 * k + 2]! - c[2]));
  const diag = [1, 1, 1, ...Array(3 + lig.bonds.length).fill(1 / Math.max(1, radius) ** 2)].map((d) => 0.01 * d);
  let H = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? diag[i]! : 0)));
  for (let it = 0; it < o.iterations; it++) {
    const p = capped(H.map((row) => -row.reduce((a, h, j) => a + h * grad[j]!, 0)), Math.max(1, radius));
    const slope = p.reduce((a, v, i) => a + v * grad[i]!, 0);
    if (!(slope < 0)) break;
    let alpha = 1, xNew: Float64Array | null = null, eNew = e;
    for (let tries = 0; tries < 10; tries++, alpha *= 0.5) {
      const cand = applyIncrement(lig, x, p.map((v) => v * alpha));
      const ec = poseEnergy(sr, lig, cand, g);
      if (ec <= e + 1e-4 * alpha * slope) { xNew = cand; eNew = ec; break; }
    }
    if (!xNew) break;
    const gradNew = incrementGradient(lig, xNew, g);
    const s = p.map((v) => v * alpha), y = Array.from(gradNew, (v, i) => v - grad[i]!);
    const sy = s.reduce((a, v, i) => a + v * y[i]!, 0);
    if (sy > 1e-10) H = bfgsUpdate(H, s, y, sy);
    const done = e - eNew < 1e-4;
    x = xNew; e = eNew; grad = gradNew;
    if (done) break;
  }
  return { coords: x, before, after: e };
}

/** Most an atom may move in one step (Å): a clash's steep gradient must not throw the pose out of the pocket. */
const MAX_STEP = 1;

/** `p` scaled down so that no part of the increment moves an atom of a ligand of `radius` Å by more than MAX_STEP. */
function capped(p: number[], radius: number): number[] {
  const moves = [Math.hypot(p[0]!, p[1]!, p[2]!), Math.hypot(p[3]!, p[4]!, p[5]!) * radius, ...p.slice(6).map((v) => Math.abs(v) * radius)];
  const f = Math.min(1, MAX_STEP / Math.max(...moves));
  return f < 1 ? p.map((v) => v * f) : p;
}

/** The BFGS inverse-Hessian update H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, ρ = 1/(yᵀs). */
function bfgsUpdate(H: number[][], s: number[], y: number[], sy: number): number[][] {
  const rho = 1 / sy;
  const Hy = H.map((row) => row.reduce((a, h, j) => a + h * y[j]!, 0));
  const yHy = y.reduce((a, v, i) => a + v * Hy[i]!, 0);
  return H.map((row, i) => row.map((h, j) =>
    h - rho * (Hy[i]! * s[j]! + s[i]! * Hy[j]!) + (rho * rho * yHy + rho) * s[i]! * s[j]!));
}

/** Refines every pose of one ligand (`refinePose` on each). */
export function refinePoses(sr: ScoringReceptor, lig: RefineLigand, poses: readonly Float64Array[], o: RefineOptions): RefinedPose[] {
  return poses.map((p) => refinePose(sr, lig, p, o));
}
