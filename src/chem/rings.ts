/** Ring bonds of a molecule: the bonds that are not bridges of its bond graph (Tarjan's bridge search). */
import { neighbours, type Molecule } from './molecule.js';

/** The ring bonds as keys "a-b" with a < b: a bond is in a ring when removing it keeps its atoms connected. */
export function ringBondSet(mol: Pick<Molecule, 'atoms' | 'bonds'>): Set<string> {
  const nbr = neighbours(mol);
  const n = mol.atoms.length;
  const disc = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const bridges = new Set<string>();
  let time = 0;
  for (let root = 0; root < n; root++) {
    if (disc[root] !== -1) continue;
    // Iterative DFS: (atom, parent, next neighbour position).
    const stack: [number, number, number][] = [[root, -1, 0]];
    disc[root] = low[root] = time++;
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [v, parent, k] = top;
      if (k < nbr[v]!.length) {
        top[2] = k + 1;
        const w = nbr[v]![k]!;
        if (w === parent) continue;
        if (disc[w] === -1) {
          disc[w] = low[w] = time++;
          stack.push([w, v, 0]);
        } else {
          low[v] = Math.min(low[v]!, disc[w]!);
        }
      } else {
        stack.pop();
        if (parent >= 0) {
          low[parent] = Math.min(low[parent]!, low[v]!);
          if (low[v]! > disc[parent]!) bridges.add(bondKey(parent, v));
        }
      }
    }
  }
  const ring = new Set<string>();
  for (const { a, b } of mol.bonds) {
    const key = bondKey(a, b);
    if (!bridges.has(key)) ring.add(key);
  }
  return ring;
}

/** The key of the bond between atoms a and b in ringBondSet. */
export function bondKey(a: number, b: number): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}
