/**
 * PDB-format coordinate records (wwPDB format v3.3, ATOM/HETATM): the atom sites of the first
 * model, the first alternate location of each residue, and crystal ligands picked by residue name.
 */
import { bondsFromDistances } from './bonds-from-distances.js';
import { elementSymbol } from './elements.js';
import type { Molecule, Vec3 } from './molecule.js';

/** One atom site of a structure file (a PDB ATOM/HETATM record or an mmCIF `_atom_site` row). */
export interface AtomSite {
  /** HETATM rather than ATOM. */
  hetero: boolean;
  name: string;
  /** Alternate location indicator; '' when the atom has one position. */
  altLoc: string;
  resName: string;
  chain: string;
  seq: number;
  /** Insertion code; '' when none. */
  icode: string;
  coord: Vec3;
  element: string;
  /** Formal charge (PDB columns 79–80, mmCIF pdbx_formal_charge); 0 when not given. */
  charge: number;
  /** Where the site is written, for errors: "file:line". */
  at: string;
}

/** The title and atom sites of a structure file. */
export interface AtomSites {
  title: string;
  sites: AtomSite[];
}

/** Reads a record's element from its line (`at` names the line in errors), or null to use the PDB columns. */
export type ElementOf = (line: string, at: string) => string | null;

/** The element of a PDB atom whose element columns are blank: the first letter of its name after any digits ('1HB' → H). */
function elementFromName(name: string): string | null {
  const letter = /[A-Za-z]/.exec(name)?.[0];
  return letter === undefined ? null : elementSymbol(letter);
}

/**
 * Reads one ATOM/HETATM record (fixed columns of the PDB format). `elementOf` gives the element
 * from the line, or null to fall back on columns 77–78 and then the atom name.
 */
function readPdbAtomLine(line: string, at: string, elementOf?: ElementOf): AtomSite {
  const num = (from: number, to: number, what: string): number => {
    const s = line.slice(from, to).trim();
    const v = Number(s);
    if (s === '' || !Number.isFinite(v)) throw new Error(`${at}: ${what} "${s}" is not a number`);
    return v;
  };
  const name = line.slice(12, 16).trim();
  const element = elementOf?.(line, at) ?? elementSymbol(line.slice(76, 78)) ?? elementFromName(name);
  if (element === null) throw new Error(`${at}: atom "${name}" has no element (columns 77–78) and none can be read from its name`);
  const chargeField = line.slice(78, 80).trim();
  const charge = /^[0-9][+-]$/.test(chargeField) ? Number(chargeField.charAt(1) + chargeField.charAt(0)) : 0;
  return {
    hetero: line.startsWith('HETATM'),
    name,
    altLoc: line.charAt(16).trim(),
    resName: line.slice(17, 21).trim(),
    chain: line.charAt(21).trim(),
    seq: num(22, 26, 'residue number'),
    icode: line.charAt(26).trim(),
    coord: [num(30, 38, 'x'), num(38, 46, 'y'), num(46, 54, 'z')],
    element,
    charge,
    at,
  };
}

/**
 * The title (TITLE records) and the ATOM/HETATM sites of the first model of a PDB-format text;
 * `elementOf` as for `readPdbAtomLine` (PDBQT passes its AutoDock types).
 */
export function readPdbSites(text: string, source: string, elementOf?: ElementOf): AtomSites {
  const sites: AtomSite[] = [];
  const title: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('ENDMDL') || line.startsWith('END ') || line.trimEnd() === 'END') break;
    if (line.startsWith('TITLE ')) title.push(line.slice(10).trim());
    if (line.startsWith('ATOM  ') || line.startsWith('HETATM')) sites.push(readPdbAtomLine(line, `${source}:${i + 1}`, elementOf));
  }
  return { title: title.join(' '), sites };
}

/** The residue a site belongs to, as a key: chain, number and insertion code. */
export function residueKey(s: Pick<AtomSite, 'chain' | 'seq' | 'icode'>): string {
  return `${s.chain}|${s.seq}|${s.icode}`;
}

/** The sites without the alternate locations after the first one each residue lists. */
export function firstAltLocs(sites: AtomSite[]): AtomSite[] {
  const first = new Map<string, string>();
  return sites.filter((s) => {
    if (s.altLoc === '') return true;
    const key = residueKey(s);
    if (!first.has(key)) first.set(key, s.altLoc);
    return first.get(key) === s.altLoc;
  });
}

/**
 * The crystal ligand named `resname` in a PDB text: the HETATM records of its first residue with
 * that name (first model, first alternate location), bonds from distances (single bonds).
 */
export function ligandFromPdb(text: string, resname: string, source: string): Molecule {
  const all = firstAltLocs(readPdbSites(text, source).sites).filter((s) => s.hetero && s.resName === resname);
  if (all.length === 0) throw new Error(`${source}: no HETATM records of residue ${resname}`);
  const key = residueKey(all[0]!);
  const sites = all.filter((s) => residueKey(s) === key);
  const coords = Float64Array.from(sites.flatMap((s) => s.coord));
  const elements = sites.map((s) => s.element);
  return {
    title: `${resname} ${sites[0]!.chain}${sites[0]!.seq}${sites[0]!.icode}`.trim(),
    atoms: sites.map((s) => ({ element: s.element, charge: s.charge, name: s.name })),
    bonds: bondsFromDistances(elements, coords, `${source} ${resname}`),
    coords,
    props: {},
  };
}
