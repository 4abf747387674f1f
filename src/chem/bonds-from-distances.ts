/** Bonds guessed from interatomic distances, for files that carry none (PDBQT, PDB HETATM records). */
import { covalentRadius } from './elements.js';
import type { Bond } from './molecule.js';

/** Added to the sum of two covalent radii to give the longest distance read as a bond (Å), as Open Babel does. */
const TOLERANCE = 0.45;

/** Atoms closer than this (Å) are the same atom written twice, not a bond. */
const OVERLAP = 0.4;

/**
 * Single bonds between atoms closer than r_i + r_j + 0.45 Å (covalent radii of Cordero et al.
 * 2008). Hydrogens never bond to each other and keep only their nearest partner. `source` names the
 * input in errors (overlapping atoms).
 */
export function bondsFromDistances(elements: string[], coords: Float64Array, source: string): Bond[] {
  const n = elements.length;
  const radius = elements.map(covalentRadius);
  const found: { a: number; b: number; d: number }[] = [];
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      if (elements[a] === 'H' && elements[b] === 'H') continue;
      const d = Math.hypot(coords[3 * a]! - coords[3 * b]!, coords[3 * a + 1]! - coords[3 * b + 1]!, coords[3 * a + 2]! - coords[3 * b + 2]!);
      if (d < OVERLAP) throw new Error(`${source}: atoms ${a + 1} and ${b + 1} are ${d.toFixed(2)} Å apart (overlapping atoms)`);
      if (d < radius[a]! + radius[b]! + TOLERANCE) found.push({ a, b, d });
    }
  }
  // A hydrogen keeps its shortest bond.
  const nearest = new Map<number, number>();
  for (const { a, b, d } of found) {
    for (const h of [a, b]) {
      if (elements[h] === 'H' && d < (nearest.get(h) ?? Infinity)) nearest.set(h, d);
    }
  }
  return found
    .filter(({ a, b, d }) => [a, b].every((h) => elements[h] !== 'H' || nearest.get(h) === d))
    .map(({ a, b }) => ({ a, b, order: 1 as const }));
}
