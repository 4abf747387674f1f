/**
 * Preparing a receptor (PDBQT, rigid) and a ligand (hydrogens, Gasteiger charges, PDBQT with a
 * torsion tree) with Open Babel, keeping a map from the PDBQT's atoms back to the ligand's atoms.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readMolfile, readPdbqtAtoms, writeMolfile, type Molecule, type Vec3 } from "./molfile.js";
import type { LigandSource } from "./sources.js";
import { obabel } from "./tools.js";

/** The commands of each preparation step, as written to the record (placeholders in capitals). */
export const PREP_COMMANDS = {
  receptorStrip: "keep only the ATOM records of RECEPTOR.pdb (drops waters, ions and ligands, all HETATM) > protein.pdb",
  receptorPdbqt: "obabel protein.pdb -xr -p 7.4 -O RECEPTOR.pdbqt",
  crystalLigand: "obabel CRYSTAL.pdb|CRYSTAL.mol2 -O in.sdf",
  crystalFromTemplate: "obabel TEMPLATE.pdb -l 1 -d -osdf, then each atom's coordinates from CRYSTAL.pdb by atom name -> in.sdf",
  poolLigand: "obabel POOL.sdf -f INDEX -l INDEX -O in.sdf",
  hydrogens: "obabel in.sdf -p 7.4 -O lig.sdf",
  ligandPdbqt: "obabel lig.sdf --partialcharge gasteiger -O lig.pdbqt",
  smiles: "obabel lig.sdf -ocan",
};

/** Strips a receptor PDB to its protein atoms and writes its rigid PDBQT with hydrogens at pH 7.4. */
export async function prepareReceptor(pdb: string, workDir: string, outPdbqt: string): Promise<void> {
  const protein = join(workDir, "protein.pdb");
  const atoms = readFileSync(pdb, "utf8").split("\n").filter((l) => l.startsWith("ATOM"));
  writeFileSync(protein, atoms.join("\n") + "\nEND\n");
  await obabel([protein, "-xr", "-p", "7.4", "-O", outPdbqt]);
}

/** A prepared ligand: the molecule with hydrogens, its PDBQT text, and where each PDBQT atom sits in the molecule. */
export interface PreparedLigand {
  mol: Molecule;
  pdbqt: string;
  /** pdbqtToMol[i] = index in `mol` of the PDBQT's i-th atom. */
  pdbqtToMol: number[];
  /** Indices in `mol` of its heavy atoms, in input order. */
  heavy: number[];
  smiles: string;
  torsions: number;
}

/** Prepares one ligand in `dir`: input molecule, hydrogens at pH 7.4, Gasteiger charges, PDBQT, SMILES. */
export async function prepareLigand(lig: LigandSource, dir: string): Promise<PreparedLigand> {
  const inSdf = join(dir, "in.sdf");
  const ligSdf = join(dir, "lig.sdf");
  const ligPdbqt = join(dir, "lig.pdbqt");
  const range = lig.index === undefined ? [] : ["-f", String(lig.index), "-l", String(lig.index)];
  if (lig.template) writeFileSync(inSdf, await crystalFromTemplate(lig.file, lig.template));
  else await obabel([lig.file, ...range, "-O", inSdf]);
  await obabel([inSdf, "-p", "7.4", "-O", ligSdf]);
  await obabel([ligSdf, "--partialcharge", "gasteiger", "-O", ligPdbqt]);
  const smiles = (await obabel([ligSdf, "-ocan"])).trim().split(/\s+/)[0] ?? "";
  const mol = readMolfile(readFileSync(ligSdf, "utf8"));
  const pdbqt = readFileSync(ligPdbqt, "utf8");
  const torsions = Number(/^TORSDOF\s+(\d+)/m.exec(pdbqt)?.[1] ?? NaN);
  const pdbqtToMol = mapByCoordinates(readPdbqtAtoms(pdbqt).map((a) => a.coord), mol.coords);
  const heavy = mol.elements.map((e, i) => (e === "H" ? -1 : i)).filter((i) => i >= 0);
  const covered = new Set(pdbqtToMol);
  const lost = heavy.filter((i) => !covered.has(i));
  if (lost.length > 0) throw new Error(`PDBQT lacks heavy atoms ${lost.map((i) => i + 1).join(",")} of the input`);
  return { mol, pdbqt, pdbqtToMol, heavy, smiles, torsions };
}

/** Heavy-atom names and coordinates of a PDB file's first model, in file order. */
function pdbHeavyAtoms(pdb: string): Array<{ name: string; coord: Vec3 }> {
  const model = readFileSync(pdb, "utf8").split(/^ENDMDL/m)[0] ?? "";
  return model
    .split("\n")
    .filter((l) => /^(ATOM|HETATM)/.test(l) && l.slice(76, 78).trim() !== "H")
    .map((l) => ({ name: l.slice(12, 16).trim(), coord: [Number(l.slice(30, 38)), Number(l.slice(38, 46)), Number(l.slice(46, 54))] as Vec3 }));
}

/**
 * A Molfile of a crystal ligand: bonds and charges as Open Babel perceives them in the template
 * (the same ligand with hydrogens, hydrogens then deleted, so its atoms are the template's heavy
 * atoms in file order), coordinates from the crystal file's atom of the same name.
 */
async function crystalFromTemplate(crystal: string, template: string): Promise<string> {
  const mol = readMolfile(await obabel([template, "-l", "1", "-d", "-osdf"]));
  const names = pdbHeavyAtoms(template).map((a) => a.name);
  const byName = new Map(pdbHeavyAtoms(crystal).map((a) => [a.name, a.coord]));
  if (names.length !== mol.elements.length || byName.size !== names.length) {
    throw new Error(`template ${template} (${names.length} heavy atoms) does not match crystal ${crystal} (${byName.size})`);
  }
  const coords = names.map((n) => {
    const c = byName.get(n);
    if (!c) throw new Error(`crystal ${crystal} has no atom ${n}`);
    return c;
  });
  return writeMolfile({ ...mol, title: crystal.split("/").pop()!, coords });
}

/** For each PDBQT coordinate, the index of the molecule atom at the same place (PDBQT rounds to 0.001 Å). */
function mapByCoordinates(pdbqt: Vec3[], mol: Vec3[]): number[] {
  return pdbqt.map((p, i) => {
    const hits = mol.flatMap((q, j) => (Math.max(Math.abs(p[0] - q[0]), Math.abs(p[1] - q[1]), Math.abs(p[2] - q[2])) < 0.0015 ? [j] : []));
    if (hits.length !== 1) throw new Error(`PDBQT atom ${i + 1} matches ${hits.length} input atoms`);
    return hits[0]!;
  });
}

/** Centroid of the heavy atoms of the given molecules (the pocket centre) and their largest extent along x, y or z. */
export function pocket(mols: Molecule[]): { center: Vec3; extent: number } {
  const pts = mols.flatMap((m) => m.coords.filter((_, i) => m.elements[i] !== "H"));
  const c: Vec3 = [0, 1, 2].map((k) => pts.reduce((s, p) => s + p[k]!, 0) / pts.length) as Vec3;
  const extent = Math.max(...[0, 1, 2].map((k) => Math.max(...pts.map((p) => p[k]!)) - Math.min(...pts.map((p) => p[k]!))));
  return { center: c, extent };
}
