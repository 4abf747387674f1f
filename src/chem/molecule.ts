/** The molecule type every docking module shares: atoms, bonds and one conformer. */

/** A point in space (Å). */
export type Vec3 = [number, number, number];

/** One atom: its element symbol ('C', 'N', 'Cl', 'H', …), formal charge and optional name. */
export interface Atom {
  element: string;
  charge: number;
  /** The atom's name in the source file (PDB/MOL2 atom name), when it has one. */
  name?: string;
}

/** A bond between atoms `a` and `b` (0-based); order 1, 2, 3, or 4 for aromatic. */
export interface Bond {
  a: number;
  b: number;
  order: 1 | 2 | 3 | 4;
}

/**
 * A molecule with one conformer: `coords` holds x, y, z of atom i at 3i…3i+2 (Å). Hydrogens are
 * atoms like any other when the source file has them; `props` are SDF data fields (`> <name>`).
 */
export interface Molecule {
  title: string;
  atoms: Atom[];
  bonds: Bond[];
  coords: Float64Array;
  props: Record<string, string>;
}

/** The coordinates of atom `i`. */
export function atomCoord(coords: Float64Array, i: number): Vec3 {
  return [coords[3 * i]!, coords[3 * i + 1]!, coords[3 * i + 2]!];
}

/** The neighbours of each atom, from the bond list. */
export function neighbours(mol: Pick<Molecule, 'atoms' | 'bonds'>): number[][] {
  const out: number[][] = mol.atoms.map(() => []);
  for (const { a, b } of mol.bonds) {
    out[a]!.push(b);
    out[b]!.push(a);
  }
  return out;
}

/** The indices of the heavy (non-hydrogen) atoms, in order. */
export function heavyAtoms(mol: Pick<Molecule, 'atoms'>): number[] {
  const out: number[] = [];
  mol.atoms.forEach((atom, i) => { if (atom.element !== 'H') out.push(i); });
  return out;
}
