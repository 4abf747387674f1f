/**
 * Bemis–Murcko scaffolds (Bemis & Murcko, J. Med. Chem. 1996): a molecule's ring systems and the
 * linkers between them, side chains removed, and a canonical key that names a scaffold whatever
 * the atom order; the key groups ligands for a scaffold split of a data set.
 */
import { refineColours, shortHash, type LabelledNeighbour } from './automorphisms.js';
import type { Bond, Molecule } from './molecule.js';
import { bondKey, ringBondSet } from './rings.js';

/** A scaffold: atom indices into the molecule (ascending) and the molecule's bonds among them. */
export interface Scaffold {
  atoms: number[];
  bonds: Bond[];
}

type Graph = Pick<Molecule, 'atoms' | 'bonds'>;

/** The heavy-atom bonds, each with its index in `mol.bonds`. */
function heavyBonds(mol: Graph): { bond: Bond; index: number }[] {
  return mol.bonds.flatMap((bond, index) => (mol.atoms[bond.a]!.element === 'H' || mol.atoms[bond.b]!.element === 'H' ? [] : [{ bond, index }]));
}

/** Which bonds lie on a ring, indexed like `mol.bonds`. */
function ringBonds(mol: Graph): boolean[] {
  const ring = ringBondSet(mol);
  return mol.bonds.map((b) => ring.has(bondKey(b.a, b.b)));
}

/**
 * The Bemis–Murcko scaffold: side chains are pruned leaf by leaf until only ring atoms and the
 * linkers between ring systems remain; as in RDKit's MurckoScaffold, terminal atoms doubly or
 * triply bonded to the scaffold (a ring or linker C=O) are kept. Hydrogens are never part of it.
 * An acyclic molecule has the empty scaffold.
 */
export function murckoScaffold(mol: Graph): Scaffold {
  const ring = ringBonds(mol);
  const bonds = heavyBonds(mol);
  const inRing = new Uint8Array(mol.atoms.length);
  for (const { bond, index } of bonds) if (ring[index]) inRing[bond.a] = inRing[bond.b] = 1;
  if (!inRing.includes(1)) return { atoms: [], bonds: [] };
  const kept = new Uint8Array(mol.atoms.length);
  mol.atoms.forEach((atom, i) => { kept[i] = atom.element === 'H' ? 0 : 1; });
  const degree = new Int32Array(mol.atoms.length);
  for (const { bond } of bonds) { degree[bond.a]!++; degree[bond.b]!++; }
  const leaves = [...kept.keys()].filter((i) => kept[i] && !inRing[i] && degree[i]! <= 1);
  while (leaves.length > 0) {
    const v = leaves.pop()!;
    kept[v] = 0;
    for (const { bond } of bonds) {
      if (bond.a !== v && bond.b !== v) continue;
      const u = bond.a === v ? bond.b : bond.a;
      if (--degree[u]! === 1 && kept[u] && !inRing[u]) leaves.push(u);
    }
  }
  const terminal = bonds.filter(({ bond }) => bond.order === 2 || bond.order === 3).flatMap(({ bond }) =>
    kept[bond.a] && !kept[bond.b] ? [bond.b] : kept[bond.b] && !kept[bond.a] ? [bond.a] : []);
  const ends = terminal.filter((t) => bonds.filter(({ bond }) => bond.a === t || bond.b === t).length === 1);
  for (const t of ends) kept[t] = 1;
  return {
    atoms: [...kept.keys()].filter((i) => kept[i]),
    bonds: bonds.filter(({ bond }) => kept[bond.a] && kept[bond.b]).map(({ bond }) => bond),
  };
}

/**
 * The label of each bond in a scaffold key: 'r' for a ring bond, then its order, where a ring
 * bond whose two atoms each carry a ring double (or aromatic) bond counts as conjugated ('4').
 * Two Kekulé structures of one ring system differ only on such bonds (they differ by alternating
 * cycles of ring bonds), so they get the same labels, as does the aromatic form of a benzenoid ring.
 */
function bondLabels(mol: Graph): string[] {
  const ring = ringBonds(mol);
  const conjugated = new Uint8Array(mol.atoms.length);
  mol.bonds.forEach((b, k) => { if (ring[k] && (b.order === 2 || b.order === 4)) conjugated[b.a] = conjugated[b.b] = 1; });
  return mol.bonds.map((b, k) => {
    const order = b.order === 4 || (ring[k] && conjugated[b.a] && conjugated[b.b]) ? 4 : b.order;
    return `${ring[k] ? 'r' : ''}${order}`;
  });
}

/**
 * A canonical key of the molecule's Murcko scaffold as a labelled graph (elements; bond orders
 * with conjugated ring bonds merged, see `bondLabels`; formal charges ignored, so protonation
 * states share a scaffold): the hash of the sorted multiset of its Weisfeiler–Lehman colours at
 * the fixed point. The same scaffold gives the same key in any atom order; different scaffolds
 * that colour refinement cannot tell apart (rare, highly regular graphs) would share one. The
 * empty scaffold's key is ''.
 */
export function scaffoldKey(mol: Graph): string {
  const { atoms, bonds } = murckoScaffold(mol);
  if (atoms.length === 0) return '';
  const labels = bondLabels(mol);
  const position = new Map(atoms.map((a, k) => [a, k]));
  const adjacency: LabelledNeighbour[][] = atoms.map(() => []);
  for (const bond of bonds) {
    const label = labels[mol.bonds.indexOf(bond)]!;
    const i = position.get(bond.a)!;
    const j = position.get(bond.b)!;
    adjacency[i]!.push({ atom: j, label });
    adjacency[j]!.push({ atom: i, label });
  }
  const colours = refineColours(atoms.map((a) => mol.atoms[a]!.element), adjacency);
  return shortHash(colours.sort().join(','));
}
