/**
 * What the 3-D view shows of a complex besides poses: the pocket (the residues near the reference
 * poses, as PDB text) and pointer nodes, named and placed.
 */
import { writePdb } from '../chem/pdb-write.js';
import type { Receptor, Residue } from '../chem/receptor.js';
import { graphResidues } from '../docking/featurize.js';
import type { Vec3 } from '../chem/molecule.js';
import type { Complex } from '../docking/complexes.js';

/** One node a pointer latent points to: its index, a label, and where it is (the atom, or the residue's Cα). */
export interface PointerNode {
  node: number;
  /** 'ASP25:A' for a residue (chain omitted when blank), 'ligand atom 3 (N)' for a ligand atom. */
  label: string;
  coord: Vec3;
}

/** The PDB text of the receptor's residues with an atom within `reach` Å of an atom of any of `poses` (flat coordinates). */
export function pocketPdb(receptor: Receptor, poses: readonly Float64Array[], reach: number): string {
  const r2 = reach * reach;
  const near = ([x, y, z]: Vec3) => poses.some((p) => {
    for (let j = 0; j < p.length; j += 3) if ((p[j]! - x) ** 2 + (p[j + 1]! - y) ** 2 + (p[j + 2]! - z) ** 2 <= r2) return true;
    return false;
  });
  return writePdb(receptor.residues.filter((res) => res.atoms.some((a) => near(a.coord))));
}

/**
 * Pointer class `node` of complex `c` (src/docking/pointers.ts: its ligand's heavy atoms, then the
 * residues of its receptor graph); a ligand atom is placed as in pose `coords`.
 */
export function pointerNode(c: Complex, node: number, coords: Float64Array): PointerNode {
  const nL = c.lig.heavy.length;
  if (node < nL) {
    const a = c.lig.heavy[node]!;
    return { node, label: `ligand atom ${node} (${c.lig.mol.atoms[a]!.element})`, coord: [coords[3 * a]!, coords[3 * a + 1]!, coords[3 * a + 2]!] };
  }
  const res = graphResidues(c.receptor)[node - nL];
  if (!res) throw new Error(`pointer node ${node}: ${c.record.receptor} has ${nL} ligand atoms and ${c.rec.type.length} residues`);
  return { node, label: residueLabel(res.r), coord: res.ca };
}

function residueLabel(res: Residue): string {
  return `${res.name}${res.seq}${res.icode}${res.chain ? `:${res.chain}` : ''}`;
}
