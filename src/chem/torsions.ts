/**
 * Torsion angles of a ligand: which bonds rotate, the signed dihedral angle, and turning the
 * atoms on one side of a bond (the torsion part of the DiffDock pose, Corso et al., ICLR 2023;
 * torsional diffusion, Jing et al., NeurIPS 2022).
 */
import { atomCoord, neighbours, type Molecule, type Vec3 } from './molecule.js';
import { bondKey, ringBondSet } from './rings.js';
import { cross, dot, sub } from './vec3.js';

/**
 * A rotatable bond u–v. `moving` lists (ascending) the atoms on v's side — v itself and every atom
 * reached from v without crossing the bond, hydrogens included — which a torsion change turns;
 * u's side stays. v's side is the smaller one (ties keep the bond's own direction a → u, b → v).
 */
export interface RotatableBond {
  u: number;
  v: number;
  moving: Int32Array;
}

/** The atoms reached from `start` without crossing the bond `from`–`start`. */
function sideOf(adj: number[][], from: number, start: number): number[] {
  const seen = new Set<number>([start]);
  const stack = [start];
  while (stack.length > 0) {
    const i = stack.pop()!;
    for (const j of adj[i]!) {
      if (seen.has(j) || (i === start && j === from)) continue;
      seen.add(j);
      stack.push(j);
    }
  }
  return [...seen];
}

/**
 * The rotatable bonds: single (order 1), not in a ring, and each end heavy with at least one other
 * heavy neighbour — so terminal atoms, methyl and hydroxyl hydrogens never spin. DiffDock turns
 * every acyclic bond between non-terminal heavy atoms, whatever its order; we keep its choice of
 * counting amide C–N bonds and single bonds next to a triple bond as rotatable, but leave double
 * bonds fixed. Explicit hydrogens are optional: they only ride along in `moving`.
 */
export function rotatableBonds(mol: Pick<Molecule, 'atoms' | 'bonds'>): RotatableBond[] {
  const adj = neighbours(mol);
  const heavy = (i: number): boolean => mol.atoms[i]!.element !== 'H';
  const hasOtherHeavy = (i: number, other: number): boolean => adj[i]!.some((j) => j !== other && heavy(j));
  const ring = ringBondSet(mol);
  const out: RotatableBond[] = [];
  for (const { a, b, order } of mol.bonds) {
    if (order !== 1 || ring.has(bondKey(a, b)) || !heavy(a) || !heavy(b) || !hasOtherHeavy(a, b) || !hasOtherHeavy(b, a)) continue;
    const sideB = sideOf(adj, a, b);
    const sideA = sideOf(adj, b, a);
    const [u, v, side] = sideB.length <= sideA.length ? [a, b, sideB] : [b, a, sideA];
    out.push({ u, v, moving: Int32Array.from(side).sort() });
  }
  return out;
}

/**
 * The signed dihedral angle a–b–c–d in (−π, π] (IUPAC): looking along b → c, the angle through
 * which the front bond b–a must turn clockwise to eclipse the back bond c–d.
 * φ = atan2(|b₂|·b₁·(b₂ × b₃), (b₁ × b₂)·(b₂ × b₃)) with b₁ = b − a, b₂ = c − b, b₃ = d − c.
 */
export function dihedral(coords: Float64Array, a: number, b: number, c: number, d: number): number {
  const [pa, pb, pc, pd] = [atomCoord(coords, a), atomCoord(coords, b), atomCoord(coords, c), atomCoord(coords, d)];
  const b1 = sub(pb, pa);
  const b2 = sub(pc, pb);
  const b3 = sub(pd, pc);
  return Math.atan2(Math.sqrt(dot(b2, b2)) * dot(b1, cross(b2, b3)), dot(cross(b1, b2), cross(b2, b3)));
}

/**
 * A new array in which, bond by bond in order, bond i's `moving` atoms turn by deltas[i] about the
 * axis x_u → x_v by the right-hand rule (counterclockwise seen from v looking towards u). Then
 * every dihedral a–u–v–d with a on u's side and d on v's side grows by exactly deltas[i]
 * (mod 2π); since a dihedral reads the same from either end, the sign does not depend on which
 * side moves. Each axis is taken from the coordinates as left by the bonds before it.
 * Rodrigues' rotation formula about the unit axis k through x_v, for p = x − x_v:
 * p' = p·cos δ + (k × p)·sin δ + k·(k·p)·(1 − cos δ).
 */
export function rotateTorsions(coords: Float64Array, bonds: readonly RotatableBond[], deltas: ArrayLike<number>): Float64Array {
  if (deltas.length !== bonds.length) throw new Error(`rotateTorsions: ${bonds.length} bonds but ${deltas.length} torsion deltas`);
  if (coords.length % 3 !== 0) throw new Error(`rotateTorsions: coords must hold 3 numbers per atom, got length ${coords.length}`);
  const x = Float64Array.from(coords);
  bonds.forEach(({ u, v, moving }, i) => {
    const delta = deltas[i]!;
    const xv = atomCoord(x, v);
    const axis = sub(xv, atomCoord(x, u));
    const length = Math.sqrt(dot(axis, axis));
    if (!(length > 0)) throw new Error(`rotateTorsions: atoms ${u} and ${v} of a rotatable bond coincide`);
    const k: Vec3 = [axis[0] / length, axis[1] / length, axis[2] / length];
    const cos = Math.cos(delta);
    const sin = Math.sin(delta);
    for (const j of moving) {
      const p = sub(atomCoord(x, j), xv);
      const kp = cross(k, p);
      const along = dot(k, p) * (1 - cos);
      for (let d = 0; d < 3; d++) x[3 * j + d] = xv[d]! + p[d]! * cos + kp[d]! * sin + k[d]! * along;
    }
  });
  return x;
}
