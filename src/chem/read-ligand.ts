/**
 * Ligands from what a user gives: a file (SDF/Molfile, MOL2, PDBQT, by extension) or a SMILES
 * string, which gets a 3-D conformer. Every ligand must have 3-D coordinates.
 */
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { readFileNamed } from '../io/read.js';
import type { Molecule } from './molecule.js';
import { readMol2 } from './mol2.js';
import { readPdbqtLigand } from './pdbqt.js';
import { is3d, readMolfile, readSdf } from './sdf.js';
import { moleculeFromSmiles } from './smiles.js';

/** Ligand file extensions and their readers: every molecule, or only the first. */
const READERS: Record<string, (text: string, path: string, all: boolean, seed: number) => Molecule[]> = {
  '.sdf': (text, path, all) => (all ? readSdf(text, path) : [readMolfile(text, path)]),
  '.sd': (text, path, all) => (all ? readSdf(text, path) : [readMolfile(text, path)]),
  '.mol': (text, path) => [readMolfile(text, path)],
  '.mol2': (text, path, all) => (all ? readMol2(text, path) : readMol2(text, path).slice(0, 1)),
  '.pdbqt': (text, path) => [readPdbqtLigand(text, path)],
  '.smi': (text, path, all, seed) => readSmilesLines(text, path, all, seed),
};

/** A SMILES file: one molecule per line, `SMILES [name]`; blank lines and `#` comments are skipped. */
function readSmilesLines(text: string, path: string, all: boolean, seed: number): Molecule[] {
  const lines = text.split(/\r?\n/).map((l, i) => ({ l: l.trim(), i })).filter(({ l }) => l !== '' && !l.startsWith('#'));
  return (all ? lines : lines.slice(0, 1)).map(({ l, i }) => {
    const [smiles, ...name] = l.split(/\s+/);
    try {
      const mol = moleculeFromSmiles(smiles!, seed);
      return name.length ? { ...mol, title: name.join(' ') } : mol;
    } catch (e) {
      throw new Error(`${path} line ${i + 1}: ${(e as Error).message}`);
    }
  });
}

/** The ligands of file `path`, every one or only the first, each with 3-D coordinates. */
function readLigandFile(path: string, all: boolean, seed: number): Molecule[] {
  const ext = extname(path).toLowerCase();
  const read = READERS[ext];
  if (read === undefined) throw new Error(`ligand file ${path}: unknown extension "${ext}" (use .sdf, .sd, .mol, .mol2, .pdbqt or .smi, or give a SMILES string)`);
  const text = readFileNamed(path, 'ligand file', 1024 * 2 ** 20).toString('utf8');
  if (text.trim() === '') throw new Error(`ligand file ${path} is empty`);
  const mols = read(text, path, all, seed);
  mols.forEach((mol, i) => {
    const name = mols.length > 1 ? `${path} #${i + 1} (${mol.title})` : path;
    if (!is3d(mol)) throw new Error(`ligand ${name} has no 3-D coordinates (all z = 0); give a 3-D file or a SMILES string`);
  });
  return mols;
}

/** The ligands `spec` names: a file's molecules, or one molecule of a SMILES string. */
function ligands(spec: string, seed: number, all: boolean): Molecule[] {
  if (existsSync(spec)) return readLigandFile(spec, all, seed);
  if (extname(spec).toLowerCase() in READERS) throw new Error(`ligand file not found: ${spec}`);
  return [moleculeFromSmiles(spec, seed)];
}

/**
 * The ligand `spec` names: a file path (.sdf/.sd/.mol/.mol2/.smi: first molecule; .pdbqt) or, when no
 * such file exists, a SMILES string (3-D conformer from `seed`).
 */
export function readLigand(spec: string, seed: number): Molecule {
  return ligands(spec, seed, false)[0]!;
}

/** Every ligand `spec` names: all molecules of an SDF, MOL2 or SMILES (.smi) file, else the one of `readLigand`. */
export function readLigands(spec: string, seed: number): Molecule[] {
  return ligands(spec, seed, true);
}
