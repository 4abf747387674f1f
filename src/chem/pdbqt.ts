/**
 * PDBQT (AutoDock 4 / Vina): PDB records whose columns 78–79 hold an AutoDock atom type instead of
 * the element. A ligand's bonds are not written (only its torsion tree), so they come from distances.
 */
import { bondsFromDistances } from './bonds-from-distances.js';
import { elementSymbol } from './elements.js';
import type { Molecule } from './molecule.js';
import { readPdbSites, type AtomSites } from './pdb.js';

/** AutoDock types that are not element symbols: aromatic carbon, acceptors, donor hydrogens (AutoDock 4.2 parameters). */
const AD_TYPE_ELEMENT = new Map([
  ['A', 'C'], ['NA', 'N'], ['NS', 'N'], ['OA', 'O'], ['OS', 'O'], ['SA', 'S'], ['HD', 'H'], ['HS', 'H'],
]);

/** The element of AutoDock type `type` (A → C, NA → N, OA → O, SA → S, HD → H; Meeko's CG0–CG9 → C; else the symbol itself). */
export function autodockElement(type: string, at: string): string {
  const element = AD_TYPE_ELEMENT.get(type) ?? (/^CG\d$/.test(type) ? 'C' : elementSymbol(type));
  if (element === null) throw new Error(`${at}: AutoDock type "${type}" names no element`);
  return element;
}

/** The atom sites of a PDBQT text (first model), elements from the AutoDock types in columns 78–79. */
export function readPdbqtSites(text: string, source: string): AtomSites {
  return readPdbSites(text, source, (line, at) => autodockElement(line.slice(77, 79).trim(), at));
}

/**
 * A ligand from PDBQT (first model): atoms in file order, formal charges 0 (the file's charges are
 * partial ones), single bonds from distances.
 */
export function readPdbqtLigand(text: string, source: string): Molecule {
  const { sites } = readPdbqtSites(text, source);
  if (sites.length === 0) throw new Error(`${source}: no ATOM/HETATM records in the PDBQT file`);
  const coords = Float64Array.from(sites.flatMap((s) => s.coord));
  const elements = sites.map((s) => s.element);
  return {
    title: source,
    atoms: sites.map((s) => ({ element: s.element, charge: 0, name: s.name })),
    bonds: bondsFromDistances(elements, coords, source),
    coords,
    props: {},
  };
}
