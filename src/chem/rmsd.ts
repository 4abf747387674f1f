/**
 * Pose RMSD as docking reports it: the poses share the receptor's frame, so there is no
 * superposition, and the symmetry-corrected form takes the minimum over the molecule's
 * heavy-atom automorphisms, so a flipped phenyl or a swapped carboxylate costs nothing.
 */
import { automorphisms, type Automorphisms } from './automorphisms.js';
import type { Molecule } from './molecule.js';

/** Checks that `a` and `b` are coordinate arrays (3 per atom) of `atomCount` atoms each. */
function checkCoords(what: string, a: Float64Array, b: Float64Array, atomCount: number): void {
  if (a.length !== 3 * atomCount || b.length !== 3 * atomCount) {
    throw new Error(`${what}: coordinates of ${a.length / 3} and ${b.length / 3} atoms for a molecule of ${atomCount} atoms`);
  }
}

/**
 * RMSD between two conformers with atoms in the same order, without superposition:
 * sqrt(1/N Σ_i |a_i − b_i|²) over `atoms` (default: all atoms).
 */
export function rmsdInPlace(a: Float64Array, b: Float64Array, atoms?: ArrayLike<number>): number {
  if (a.length !== b.length || a.length % 3 !== 0) throw new Error(`rmsdInPlace: coordinate arrays of lengths ${a.length} and ${b.length}`);
  const n = atoms ? atoms.length : a.length / 3;
  if (n === 0) throw new Error('rmsdInPlace: no atoms');
  let s = 0;
  for (let k = 0; k < n; k++) {
    const i = atoms ? atoms[k]! : k;
    if (!(i >= 0 && 3 * i < a.length)) throw new Error(`rmsdInPlace: atom ${i} outside the ${a.length / 3} atoms`);
    for (let d = 0; d < 3; d++) s += (a[3 * i + d]! - b[3 * i + d]!) ** 2;
  }
  return Math.sqrt(s / n);
}

/** min over the permutations π of sqrt(1/N Σ_k |a_{atoms[k]} − b_{atoms[π(k)]}|²); a sum already past the best is abandoned. */
function minOverPermutations(sym: Automorphisms, a: Float64Array, b: Float64Array): number {
  const { atoms, perms } = sym;
  let best = Infinity;
  for (const perm of perms) {
    let s = 0;
    for (let k = 0; k < atoms.length && s < best; k++) {
      const i = 3 * atoms[k]!;
      const j = 3 * atoms[perm[k]!]!;
      s += (a[i]! - b[j]!) ** 2 + (a[i + 1]! - b[j + 1]!) ** 2 + (a[i + 2]! - b[j + 2]!) ** 2;
    }
    if (s < best) best = s;
  }
  return Math.sqrt(best / atoms.length);
}

/**
 * Symmetry-corrected heavy-atom RMSD between two conformers `a`, `b` (3 numbers per atom of
 * `mol`, hydrogens included when `mol` has them): the least in-place RMSD over the heavy-atom
 * automorphisms, given as `sym` or computed here.
 */
export function symmetricRmsd(mol: Pick<Molecule, 'atoms' | 'bonds'>, a: Float64Array, b: Float64Array, sym?: Automorphisms): number {
  checkCoords('symmetricRmsd', a, b, mol.atoms.length);
  const s = sym ?? automorphisms(mol);
  if (s.atoms.length === 0) throw new Error('symmetricRmsd: the molecule has no heavy atoms');
  return minOverPermutations(s, a, b);
}

/**
 * The symmetry-corrected RMSD of every pose to every reference, `out[i][j]` for `poses[i]` and
 * `refs[j]`, with the automorphisms computed once.
 */
export function symmetricRmsdMany(mol: Pick<Molecule, 'atoms' | 'bonds'>, poses: Float64Array[], refs: Float64Array[]): number[][] {
  const sym = automorphisms(mol);
  return poses.map((p) => refs.map((r) => symmetricRmsd(mol, p, r, sym)));
}
