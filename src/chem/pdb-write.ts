/**
 * PDB-format text of receptor residues (wwPDB format v3.3): one ATOM record per atom, then END.
 * What ./receptor.ts reads back, and what molecular viewers read.
 */
import type { Vec3 } from './molecule.js';
import type { Residue } from './receptor.js';

/** The 80-column ATOM record of one atom (serial 1…99999, wrapping as PDB files do). */
function atomRecord(serial: number, name: string, element: string, res: Residue, [x, y, z]: Vec3): string {
  for (const v of [x, y, z]) {
    if (!(v > -1000 && v < 10_000)) throw new Error(`writePdb: coordinate ${v} of ${res.name}${res.seq} ${name} does not fit PDB's columns`);
  }
  // A name of one-letter element shorter than 4 characters starts in column 14 (" CA "), as the format aligns them.
  const field = name.length < 4 && element.length === 1 ? ` ${name}` : name;
  return `ATOM  ${String((serial - 1) % 99_999 + 1).padStart(5)} ${field.padEnd(4).slice(0, 4)} ${res.name.padStart(3).slice(0, 3)} ` +
    `${(res.chain || ' ').charAt(0)}${String(res.seq).padStart(4).slice(-4)}${(res.icode || ' ').charAt(0)}   ` +
    `${x.toFixed(3).padStart(8)}${y.toFixed(3).padStart(8)}${z.toFixed(3).padStart(8)}  1.00  0.00          ` +
    `${element.toUpperCase().padStart(2)}  `;
}

/**
 * The residues as PDB text. PDB has one column for the chain and for the insertion code: longer
 * chain names (mmCIF's) are cut to their first character.
 */
export function writePdb(residues: readonly Residue[]): string {
  const lines: string[] = [];
  for (const res of residues) for (const a of res.atoms) lines.push(atomRecord(lines.length + 1, a.name, a.element, res, a.coord));
  return `${[...lines, 'END'].join('\n')}\n`;
}
