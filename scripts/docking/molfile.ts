/**
 * The docking generator's view of its files: V2000 Molfiles (read and written by src/chem/sdf.ts,
 * as per-atom arrays) and PDBQT atoms and Vina modes.
 */
import { atomCoord, type Molecule as ChemMolecule, type Vec3 } from "../../src/chem/molecule.js";
import { readMolfile as readChemMolfile, writeSdf } from "../../src/chem/sdf.js";

export type { Vec3 };

/** One molecule of a V2000 Molfile: elements, coordinates and bonds (0-based atom indices). */
export interface Molecule {
  title: string;
  elements: string[];
  coords: Vec3[];
  /** Formal charge of each atom (the `M  CHG` lines). */
  charges: number[];
  bonds: Array<{ a: number; b: number; order: number }>;
}

/** Reads the first molecule of a V2000 Molfile/SDF text. */
export function readMolfile(text: string): Molecule {
  const mol = readChemMolfile(text, "Molfile");
  return {
    title: mol.title,
    elements: mol.atoms.map((a) => a.element),
    coords: mol.atoms.map((_, i) => atomCoord(mol.coords, i)),
    charges: mol.atoms.map((a) => a.charge),
    bonds: mol.bonds.map(({ a, b, order }) => ({ a, b, order })),
  };
}

/** One ATOM/HETATM line of a PDBQT file: its serial, name, AutoDock type and coordinates. */
export interface PdbqtAtom {
  serial: number;
  name: string;
  type: string;
  coord: Vec3;
}

/** Reads the ATOM/HETATM lines of a PDBQT text (one model), in file order. */
export function readPdbqtAtoms(text: string): PdbqtAtom[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.startsWith("ATOM") || l.startsWith("HETATM"))
    .map((l) => ({
      serial: Number(l.slice(6, 11)),
      name: l.slice(12, 16).trim(),
      type: l.slice(77).trim(),
      coord: [Number(l.slice(30, 38)), Number(l.slice(38, 46)), Number(l.slice(46, 54))] as Vec3,
    }));
}

/** One pose of Vina's output: the affinity (kcal/mol) and the atoms in the input PDBQT's order. */
export interface VinaMode {
  affinity: number;
  atoms: PdbqtAtom[];
}

/** Splits Vina's output PDBQT into its MODEL blocks, reading `REMARK VINA RESULT:` for the affinity. */
export function readVinaModes(text: string): VinaMode[] {
  const blocks = text.split(/^MODEL\s+\d+\s*$/m).slice(1);
  return blocks.map((block, i) => {
    const m = /REMARK VINA RESULT:\s+(-?[\d.]+)/.exec(block);
    if (!m) throw new Error(`Vina output: model ${i + 1} has no VINA RESULT line`);
    return { affinity: Number(m[1]), atoms: readPdbqtAtoms(block.split(/^ENDMDL/m)[0] ?? "") };
  });
}

/** Writes a V2000 Molfile for the given atoms and bonds (for viewing a pose or checking it). */
export function writeMolfile(mol: Molecule): string {
  const bonds = mol.bonds.map(({ a, b, order }) => {
    if (order !== 1 && order !== 2 && order !== 3 && order !== 4) throw new Error(`${mol.title}: bond ${a + 1}-${b + 1} has order ${order}, not 1, 2, 3 or 4`);
    return { a, b, order } as const;
  });
  const chem: ChemMolecule = {
    title: mol.title,
    atoms: mol.elements.map((element, i) => ({ element, charge: mol.charges[i] ?? 0 })),
    bonds,
    coords: Float64Array.from(mol.coords.flat()),
    props: {},
  };
  return writeSdf([chem]);
}
