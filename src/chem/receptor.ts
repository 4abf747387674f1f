/**
 * Receptors: the amino-acid residues of a protein structure (PDB, PDBQT or mmCIF; first model,
 * first alternate location; waters and hetero groups dropped), their Cα atoms and pockets.
 */
import { extname } from 'node:path';
import { readFileNamed } from '../io/read.js';
import type { Vec3 } from './molecule.js';
import { readMmcifSites } from './mmcif.js';
import { firstAltLocs, readPdbSites, residueKey, type AtomSite, type AtomSites } from './pdb.js';
import { readPdbqtSites } from './pdbqt.js';

/** One receptor atom: its name in the file ('CA', 'OG1'), element and position (Å). */
export interface ReceptorAtom {
  name: string;
  element: string;
  coord: Vec3;
}

/** One amino-acid residue: its standard 3-letter name ('HIE' is read as 'HIS'), chain, number, insertion code, atoms. */
export interface Residue {
  name: string;
  chain: string;
  seq: number;
  icode: string;
  atoms: ReceptorAtom[];
}

/** A protein: its title and amino-acid residues in file order. */
export interface Receptor {
  title: string;
  residues: Residue[];
}

/** The residue types, the 20 standard amino acids then 'UNK' for any other. */
export const RESIDUE_TYPES = [
  'ALA', 'ARG', 'ASN', 'ASP', 'CYS', 'GLN', 'GLU', 'GLY', 'HIS', 'ILE',
  'LEU', 'LYS', 'MET', 'PHE', 'PRO', 'SER', 'THR', 'TRP', 'TYR', 'VAL', 'UNK',
] as const;

/**
 * Other names of the standard amino acids: protonation states of Amber (HID/HIE/HIP, CYX/CYM,
 * ASH, GLH, LYN, ARN, TYM), CHARMM (HSD/HSE/HSP) and GROMACS (HISD/HISE/HISH, LYSH, ASPH, GLUH,
 * CYS2), and modified residues written as HETATM (selenomethionine, phospho-Ser/Thr/Tyr, …).
 */
const VARIANTS: Record<string, string> = {
  HID: 'HIS', HIE: 'HIS', HIP: 'HIS', HSD: 'HIS', HSE: 'HIS', HSP: 'HIS', HISD: 'HIS', HISE: 'HIS', HISH: 'HIS',
  CYX: 'CYS', CYM: 'CYS', CYS2: 'CYS', ASH: 'ASP', ASPH: 'ASP', GLH: 'GLU', GLUH: 'GLU',
  LYN: 'LYS', LYSH: 'LYS', ARN: 'ARG', TYM: 'TYR',
  MSE: 'MET', SEP: 'SER', TPO: 'THR', PTR: 'TYR', HYP: 'PRO', CSO: 'CYS', SEC: 'CYS', MLY: 'LYS', KCX: 'LYS',
};

const STANDARD = new Set<string>(RESIDUE_TYPES.slice(0, 20));

/** The standard name of amino-acid residue `name`, or null when it names none (water, ligand, nucleotide). */
function aminoAcidName(name: string): string | null {
  const upper = name.toUpperCase();
  return STANDARD.has(upper) ? upper : VARIANTS[upper] ?? null;
}

/** The index of residue `name` (a standard name or a variant) in RESIDUE_TYPES; that of 'UNK' for any other. */
export function residueTypeIndex(name: string): number {
  const standard = aminoAcidName(name);
  return standard === null ? RESIDUE_TYPES.length - 1 : RESIDUE_TYPES.indexOf(standard as (typeof RESIDUE_TYPES)[number]);
}

/** An atom site of an amino acid: an ATOM record of a standard or variant name, or a HETATM record of a modified residue. */
function isAminoAcid(s: AtomSite): boolean {
  return s.hetero ? s.resName.toUpperCase() in VARIANTS : aminoAcidName(s.resName) !== null;
}

/** The amino-acid residues of the sites, grouping consecutive sites of one residue. */
function residuesOf(sites: AtomSite[]): Residue[] {
  const residues: Residue[] = [];
  let lastKey = '';
  for (const s of firstAltLocs(sites).filter(isAminoAcid)) {
    const key = `${residueKey(s)}|${s.resName}`;
    if (key !== lastKey) residues.push({ name: aminoAcidName(s.resName)!, chain: s.chain, seq: s.seq, icode: s.icode, atoms: [] });
    lastKey = key;
    residues[residues.length - 1]!.atoms.push({ name: s.name, element: s.element, coord: s.coord });
  }
  return residues;
}

/** A receptor from the text of a PDB, PDBQT or mmCIF file; `source` names it in errors and is the title when the file has none. */
export function readReceptor(text: string, format: 'pdb' | 'pdbqt' | 'cif', source: string): Receptor {
  const read: Record<typeof format, (text: string, source: string) => AtomSites> = { pdb: readPdbSites, pdbqt: readPdbqtSites, cif: readMmcifSites };
  const { title, sites } = read[format](text, source);
  const residues = residuesOf(sites);
  if (residues.length === 0) throw new Error(`receptor ${source} has no amino-acid atoms (${sites.length} atoms, none in a protein residue)`);
  return { title: title || source, residues };
}

/** Receptor file extensions and their formats. */
const FORMAT_OF: Record<string, 'pdb' | 'pdbqt' | 'cif'> = { '.pdb': 'pdb', '.ent': 'pdb', '.pdbqt': 'pdbqt', '.cif': 'cif', '.mmcif': 'cif' };

/** The largest receptor file read (bytes); a large complex's mmCIF is tens of MB. */
const MAX_RECEPTOR_BYTES = 512 * 2 ** 20;

/** Reads receptor file `path`, its format from the extension (.pdb, .ent, .pdbqt, .cif, .mmcif); regular files only. */
export function readReceptorFile(path: string): Receptor {
  const ext = extname(path).toLowerCase();
  const format = FORMAT_OF[ext];
  if (format === undefined) throw new Error(`receptor file ${path}: unknown extension "${ext}" (use .pdb, .ent, .pdbqt, .cif or .mmcif)`);
  return readReceptor(readFileNamed(path, 'receptor file', MAX_RECEPTOR_BYTES).toString('utf8'), format, path);
}

/** The Cα position of a residue, or null when it has none. */
export function residueCA(res: Residue): Vec3 | null {
  const ca = res.atoms.find((a) => a.name === 'CA' && a.element === 'C');
  return ca ? [...ca.coord] : null;
}

/** The residues with any atom within `radius` Å of `center`. */
export function pocketResidues(rec: Receptor, center: Vec3, radius: number): Residue[] {
  const r2 = radius * radius;
  return rec.residues.filter((res) => res.atoms.some(({ coord: [x, y, z] }) =>
    (x - center[0]) ** 2 + (y - center[1]) ** 2 + (z - center[2]) ** 2 <= r2));
}

/** The mean Cα position of the receptor. */
export function receptorCenter(rec: Receptor): Vec3 {
  const cas = rec.residues.map(residueCA).filter((c): c is Vec3 => c !== null);
  if (cas.length === 0) throw new Error(`receptor ${rec.title} has no Cα atoms`);
  const sum = cas.reduce<Vec3>((s, c) => [s[0] + c[0], s[1] + c[1], s[2] + c[2]], [0, 0, 0]);
  return [sum[0] / cas.length, sum[1] / cas.length, sum[2] / cas.length];
}
