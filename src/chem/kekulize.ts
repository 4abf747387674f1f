/**
 * Kekulization: aromatic (order 4) bonds become alternating single and double bonds, chosen as a
 * matching on the aromatic atoms that need one double bond (a Kekulé structure).
 */
import type { Bond, Molecule } from './molecule.js';

/** Whether an aromatic atom must, may or must not take a double bond in the Kekulé structure. */
type Need = 'must' | 'may' | 'never';

/** Elements of the third period and below, which also take the valences base + 2 and base + 4 (P(V), S(IV), S(VI)). */
const HYPERVALENT = new Set(['P', 'As', 'S', 'Se', 'Te']);

/**
 * The valence aromatic atom `element` with formal `charge` reaches, given the `used` valence of its
 * bonds (aromatic ones counted 1): C 4 − |q|, B 3 − q, N/P 3 + q, O/S 2 + q; null for other elements.
 */
function targetValence(element: string, charge: number, used: number): number | null {
  let base: number;
  if (element === 'C' || element === 'Si' || element === 'Ge') return 4 - Math.abs(charge);
  if (element === 'B') return 3 - charge;
  if (element === 'N' || element === 'P' || element === 'As') base = 3 + charge;
  else if (element === 'O' || element === 'S' || element === 'Se' || element === 'Te') base = 2 + charge;
  else return null;
  if (HYPERVALENT.has(element)) while (base < used) base += 2;
  return base;
}

/**
 * Which aromatic atoms need a double bond: those with a free valence. Pyrrole N–H, furan O, a
 * carbanion or an atom with an exocyclic double bond have none. In a file without hydrogens a
 * neutral two-connected N or P is ambiguous (pyridine N or pyrrole N–H): it may take one.
 */
function needs(mol: Molecule, aromaticAtoms: Set<number>): Need[] {
  const used = new Array<number>(mol.atoms.length).fill(0);
  const degree = new Array<number>(mol.atoms.length).fill(0);
  for (const { a, b, order } of mol.bonds) {
    for (const i of [a, b]) {
      used[i]! += order === 4 ? 1 : order;
      degree[i]! += 1;
    }
  }
  const implicitH = !mol.atoms.some((atom) => atom.element === 'H');
  return mol.atoms.map(({ element, charge }, i) => {
    if (!aromaticAtoms.has(i)) return 'never';
    const target = targetValence(element, charge, used[i]!);
    if (target === null) throw new Error(`cannot kekulize ${mol.title || 'molecule'}: aromatic atom ${element}${i + 1} is not B, C, N, O, P, S, As, Se, Si, Ge or Te`);
    if (target - used[i]! < 1) return 'never';
    const ambiguous = implicitH && charge === 0 && (element === 'N' || element === 'P') && degree[i] === 2 && target - used[i]! === 1;
    return ambiguous ? 'may' : 'must';
  });
}

/**
 * Pairs every 'must' atom with an aromatic neighbour (a matching on the aromatic bonds), by
 * backtracking that always extends the atom with fewest free partners. `mate[i]` is i's partner or −1.
 */
function matchMust(need: Need[], partners: number[][], mate: Int32Array): boolean {
  let pick = -1;
  let options: number[] = [];
  for (let i = 0; i < need.length; i++) {
    if (need[i] !== 'must' || mate[i] !== -1) continue;
    const free = partners[i]!.filter((j) => mate[j] === -1);
    if (pick === -1 || free.length < options.length) {
      pick = i;
      options = free;
    }
    if (free.length === 0) return false;
  }
  if (pick === -1) return true;
  for (const j of options) {
    mate[pick] = j;
    mate[j] = pick;
    if (matchMust(need, partners, mate)) return true;
    mate[pick] = mate[j] = -1;
  }
  return false;
}

/**
 * The molecule with its aromatic bonds written as single and double bonds (a Kekulé structure);
 * other bonds, atoms and coordinates unchanged. Throws naming the atoms when no Kekulé structure exists.
 */
export function kekulize(mol: Molecule): Molecule {
  const aromaticAtoms = new Set(mol.bonds.filter((b) => b.order === 4).flatMap((b) => [b.a, b.b]));
  if (aromaticAtoms.size === 0) return mol;
  const need = needs(mol, aromaticAtoms);
  const partners: number[][] = mol.atoms.map(() => []);
  for (const { a, b, order } of mol.bonds) {
    if (order === 4 && need[a] !== 'never' && need[b] !== 'never') {
      partners[a]!.push(b);
      partners[b]!.push(a);
    }
  }
  const mate = new Int32Array(mol.atoms.length).fill(-1);
  if (!matchMust(need, partners, mate)) {
    const atoms = [...aromaticAtoms].filter((i) => need[i] === 'must').map((i) => `${mol.atoms[i]!.element}${i + 1}`);
    throw new Error(`cannot kekulize ${mol.title || 'molecule'}: no alternating single/double bonds give each of the aromatic atoms ${atoms.join(', ')} one double bond`);
  }
  // Two neighbouring ambiguous atoms left over (an N=N in a ring read without hydrogens) take a double bond together.
  for (const { a, b, order } of mol.bonds) {
    if (order === 4 && need[a] === 'may' && need[b] === 'may' && mate[a] === -1 && mate[b] === -1) {
      mate[a] = b;
      mate[b] = a;
    }
  }
  const bonds: Bond[] = mol.bonds.map((bond) =>
    bond.order === 4 ? { ...bond, order: mate[bond.a] === bond.b ? 2 : 1 } : { ...bond });
  return { ...mol, bonds };
}
