/**
 * The symmetries of a molecule's heavy-atom graph: the atom permutations that a symmetry-corrected
 * RMSD minimises over (as in spyrmsd and Open Babel's obrms).
 *
 * Atoms match on element and connectivity only; bond orders and formal charges are ignored, so
 * the two O of a carboxylate written C(=O)[O-], the O of a nitro group or the ring atoms of a
 * Kekulé benzene swap as they do in the real, delocalised molecule.
 */
import { createHash } from 'node:crypto';
import { heavyAtoms, type Molecule } from './molecule.js';

/** A neighbour of an atom and the label of the bond to it. */
export interface LabelledNeighbour {
  atom: number;
  label: string;
}

/** The heavy-atom symmetries of a molecule. */
export interface Automorphisms {
  /** The heavy atoms' indices in the molecule, in order; permutations act on positions in this list. */
  atoms: number[];
  /** Each permutation maps position k to position perm[k]; the identity comes first. */
  perms: Int32Array[];
  /** False when the search stopped at the limit: `perms` then holds only the first ones found. */
  complete: boolean;
}

/** The most permutations `automorphisms` collects before it stops (a cap, so symmetric molecules cannot hang). */
export const DEFAULT_AUTOMORPHISM_LIMIT = 10_000;

/** A short hash of a string (16 hex digits of its SHA-1), the same on every run and machine. */
export function shortHash(s: string): string {
  return createHash('sha1').update(s).digest('hex').slice(0, 16);
}

/**
 * Weisfeiler–Lehman colour refinement: each atom's colour is repeatedly replaced by a hash of
 * itself and the sorted multiset of (bond label, neighbour colour), until the number of colour
 * classes stops growing. The colours are canonical: matching atoms of isomorphic labelled graphs
 * get equal colours, whatever the atom order, so they can be compared across molecules.
 */
export function refineColours(labels: string[], adjacency: LabelledNeighbour[][]): string[] {
  let colours = labels.map((l) => shortHash(l));
  let classes = new Set(colours).size;
  for (;;) {
    const next = colours.map((c, v) => shortHash(`${c}|${adjacency[v]!.map((n) => `${n.label}:${colours[n.atom]}`).sort().join(',')}`));
    const nextClasses = new Set(next).size;
    colours = next;
    if (nextClasses === classes) return colours;
    classes = nextClasses;
  }
}

/**
 * The order atoms are assigned in: each connected component from its atom of the rarest colour,
 * then breadth first, so that every later atom has an assigned neighbour that narrows its choices.
 * Also returns that neighbour (the anchor) for each position, or -1 for a component's first atom.
 */
function searchOrder(colours: string[], adj: number[][]): { order: number[]; anchor: number[] } {
  const n = colours.length;
  const classSize = new Map<string, number>();
  for (const c of colours) classSize.set(c, (classSize.get(c) ?? 0) + 1);
  const byRarity = [...Array(n).keys()].sort((i, j) => classSize.get(colours[i]!)! - classSize.get(colours[j]!)! || i - j);
  const seen = new Uint8Array(n);
  const order: number[] = [];
  const anchor: number[] = [];
  for (const root of byRarity) {
    if (seen[root]) continue;
    seen[root] = 1;
    order.push(root);
    anchor.push(-1);
    for (let q = order.length - 1; q < order.length; q++) {
      const v = order[q]!;
      for (const u of adj[v]!) {
        if (seen[u]) continue;
        seen[u] = 1;
        order.push(u);
        anchor.push(v);
      }
    }
  }
  return { order, anchor };
}

/**
 * The permutations of the heavy atoms that keep every element and every bond (hydrogens and their
 * bonds are left out), found by backtracking: an atom may only go to an atom of its refined colour
 * that is a neighbour of where its anchor went, and must keep its bonds to every atom placed
 * before it. At most `limit` permutations are collected; `complete` says whether that was all.
 */
export function automorphisms(mol: Pick<Molecule, 'atoms' | 'bonds'>, opts: { limit?: number } = {}): Automorphisms {
  const limit = opts.limit ?? DEFAULT_AUTOMORPHISM_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`automorphisms: limit must be a positive integer, got ${limit}`);
  const atoms = heavyAtoms(mol);
  const n = atoms.length;
  const position = new Map(atoms.map((a, k) => [a, k]));
  const adj: number[][] = atoms.map(() => []);
  const bonded = new Uint8Array(n * n);
  for (const { a, b } of mol.bonds) {
    const i = position.get(a);
    const j = position.get(b);
    if (i === undefined || j === undefined) continue;
    adj[i]!.push(j);
    adj[j]!.push(i);
    bonded[i * n + j] = bonded[j * n + i] = 1;
  }
  const colours = refineColours(atoms.map((a) => mol.atoms[a]!.element), adj.map((ns) => ns.map((atom) => ({ atom, label: '' }))));
  const byColour = new Map<string, number[]>();
  colours.forEach((c, v) => byColour.set(c, [...(byColour.get(c) ?? []), v]));
  const { order, anchor } = searchOrder(colours, adj);

  const image = new Int32Array(n).fill(-1);
  const used = new Uint8Array(n);
  const perms: Int32Array[] = [];
  let complete = true;
  /** Whether atom `v` (at search depth `depth`) may go to `c`: same colour, free, same bonds to the atoms placed so far. */
  const fits = (depth: number, v: number, c: number): boolean => {
    if (used[c] || colours[c] !== colours[v]) return false;
    for (let d = 0; d < depth; d++) {
      const u = order[d]!;
      if (bonded[v * n + u] !== bonded[c * n + image[u]!]) return false;
    }
    return true;
  };
  const search = (depth: number): void => {
    if (depth === n) {
      if (perms.length === limit) complete = false;
      else perms.push(image.slice());
      return;
    }
    const v = order[depth]!;
    const a = anchor[depth]!;
    const pool = a < 0 ? byColour.get(colours[v]!)! : adj[image[a]!]!;
    // The atom's own index first, so the identity is the first permutation found.
    for (const c of [v, ...pool.filter((c) => c !== v)]) {
      if (!complete) return;
      if (!fits(depth, v, c)) continue;
      image[v] = c;
      used[c] = 1;
      search(depth + 1);
      used[c] = 0;
      image[v] = -1;
    }
  };
  search(0);
  return { atoms, perms, complete };
}
