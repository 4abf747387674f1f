/** Minimal readers for the files the docking generator handles: V2000 Molfiles and PDBQT. */

export type Vec3 = [number, number, number];

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
  const lines = text.split(/\r?\n/);
  const counts = lines[3] ?? "";
  const nAtoms = Number(counts.slice(0, 3));
  const nBonds = Number(counts.slice(3, 6));
  if (!Number.isInteger(nAtoms) || nAtoms <= 0 || !counts.includes("V2000")) {
    throw new Error(`not a V2000 Molfile (counts line "${counts.trim()}")`);
  }
  const elements: string[] = [];
  const coords: Vec3[] = [];
  for (let i = 0; i < nAtoms; i++) {
    const l = lines[4 + i] ?? "";
    coords.push([Number(l.slice(0, 10)), Number(l.slice(10, 20)), Number(l.slice(20, 30))]);
    elements.push(l.slice(31, 34).trim());
  }
  const bonds: Molecule["bonds"] = [];
  for (let i = 0; i < nBonds; i++) {
    const l = lines[4 + nAtoms + i] ?? "";
    bonds.push({ a: Number(l.slice(0, 3)) - 1, b: Number(l.slice(3, 6)) - 1, order: Number(l.slice(6, 9)) });
  }
  const charges = elements.map(() => 0);
  for (const l of lines.slice(4 + nAtoms + nBonds)) {
    if (l.startsWith("M  END")) break;
    if (!l.startsWith("M  CHG")) continue;
    const f = l.slice(6).trim().split(/\s+/).map(Number);
    for (let k = 0; k < f[0]!; k++) charges[f[1 + 2 * k]! - 1] = f[2 + 2 * k]!;
  }
  return { title: (lines[0] ?? "").trim(), elements, coords, charges, bonds };
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
  const f = (x: number) => x.toFixed(4).padStart(10);
  const n3 = (x: number) => String(x).padStart(3);
  const out = [mol.title, "  disco-diff docking", "", `${n3(mol.elements.length)}${n3(mol.bonds.length)}  0  0  0  0  0  0  0  0999 V2000`];
  mol.elements.forEach((e, i) => {
    const [x, y, z] = mol.coords[i]!;
    out.push(`${f(x)}${f(y)}${f(z)} ${e.padEnd(3)} 0  0  0  0  0  0  0  0  0  0  0  0`);
  });
  for (const b of mol.bonds) out.push(`${n3(b.a + 1)}${n3(b.b + 1)}${n3(b.order)}  0`);
  mol.charges.forEach((c, i) => {
    if (c !== 0) out.push(`M  CHG  1 ${String(i + 1).padStart(3)} ${String(c).padStart(3)}`);
  });
  out.push("M  END", "$$$$", "");
  return out.join("\n");
}
