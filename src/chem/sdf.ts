/**
 * V2000 Molfiles and SD files (BIOVIA, "CTfile Formats"): reading (atoms, bonds, `M  CHG`, data
 * fields), writing (kekulized, data fields from props) and the 2-D check.
 */
import { elementSymbol } from './elements.js';
import { kekulize } from './kekulize.js';
import type { Atom, Bond, Molecule } from './molecule.js';

/** The atom block's charge field: code → formal charge (4 is a doublet radical, charge 0). */
const CHARGE_CODE: Record<number, number> = { 0: 0, 1: 3, 2: 2, 3: 1, 4: 0, 5: -1, 6: -2, 7: -3 };

/** The most atoms or bonds a V2000 counts line holds. */
const MAX_V2000 = 999;

/** Whether the molecule has 3-D coordinates: false when every z is 0 (a 2-D drawing). */
export function is3d(mol: Pick<Molecule, 'coords'>): boolean {
  for (let i = 2; i < mol.coords.length; i += 3) if (mol.coords[i] !== 0) return true;
  return false;
}

/** An integer field of a fixed-column line, or a one-line error naming the line. */
function intField(line: string, from: number, to: number, what: string, at: string): number {
  const s = line.slice(from, to).trim();
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`${at}: ${what} "${s}" is not an integer`);
  return Number(s);
}

/** A coordinate field of an atom line. */
function coordField(line: string, from: number, at: string): number {
  const s = line.slice(from, from + 10).trim();
  const v = Number(s);
  if (s === '' || !Number.isFinite(v)) throw new Error(`${at}: coordinate "${s}" is not a number`);
  return v;
}

/** Reads one V2000 record: `lines` are its lines, `first` the 0-based line number of its header in the file. */
function readRecord(lines: string[], first: number, source: string): Molecule {
  const at = (k: number) => `${source}:${first + k + 1}`;
  const line = (k: number, what: string): string => {
    const l = lines[k];
    if (l === undefined) throw new Error(`${at(k)}: Molfile ends before its ${what}`);
    return l;
  };
  const counts = line(3, 'counts line');
  if (counts.includes('V3000')) throw new Error(`${at(3)}: V3000 Molfiles are not read; convert to V2000 (e.g. obabel in.sdf -O out.sdf)`);
  const nAtoms = intField(counts, 0, 3, 'atom count', at(3));
  const nBonds = intField(counts, 3, 6, 'bond count', at(3));
  if (nAtoms === 0) throw new Error(`${at(3)}: molecule has no atoms`);

  const atoms: Atom[] = [];
  const coords = new Float64Array(3 * nAtoms);
  for (let i = 0; i < nAtoms; i++) {
    const l = line(4 + i, `atom ${i + 1}`);
    for (let d = 0; d < 3; d++) coords[3 * i + d] = coordField(l, 10 * d, at(4 + i));
    const raw = l.slice(31, 34).trim();
    const element = elementSymbol(raw);
    if (element === null) throw new Error(`${at(4 + i)}: atom ${i + 1} has element "${raw}", not a known element (query atoms are not read)`);
    const code = l.slice(36, 39).trim() === '' ? 0 : intField(l, 36, 39, 'charge code', at(4 + i));
    const charge = CHARGE_CODE[code];
    if (charge === undefined) throw new Error(`${at(4 + i)}: charge code ${code} is not 0–7`);
    atoms.push({ element, charge });
  }

  const bonds: Bond[] = [];
  for (let k = 0; k < nBonds; k++) {
    const row = 4 + nAtoms + k;
    const l = line(row, `bond ${k + 1}`);
    const a = intField(l, 0, 3, 'bond atom', at(row)) - 1;
    const b = intField(l, 3, 6, 'bond atom', at(row)) - 1;
    const order = intField(l, 6, 9, 'bond type', at(row));
    if (a < 0 || b < 0 || a >= nAtoms || b >= nAtoms || a === b) throw new Error(`${at(row)}: bond ${k + 1} joins atoms ${a + 1} and ${b + 1}, not two of the ${nAtoms} atoms`);
    if (order !== 1 && order !== 2 && order !== 3 && order !== 4) throw new Error(`${at(row)}: bond type ${order} is not 1, 2, 3 or 4 (query bonds are not read)`);
    bonds.push({ a, b, order });
  }

  // Properties block: `M  CHG` replaces every charge of the atom block.
  let k = 4 + nAtoms + nBonds;
  let chgSeen = false;
  for (; ; k++) {
    const l = line(k, '"M  END" line');
    if (l.startsWith('M  END')) break;
    if (!l.startsWith('M  CHG')) continue;
    if (!chgSeen) for (const atom of atoms) atom.charge = 0;
    chgSeen = true;
    const f = l.slice(6).trim().split(/\s+/).map(Number);
    const n = f[0]!;
    if (!Number.isInteger(n) || f.length !== 1 + 2 * n || !f.every(Number.isInteger)) throw new Error(`${at(k)}: malformed "M  CHG" line`);
    for (let j = 0; j < n; j++) {
      const atom = atoms[f[1 + 2 * j]! - 1];
      if (!atom) throw new Error(`${at(k)}: "M  CHG" names atom ${f[1 + 2 * j]}, not one of the ${nAtoms} atoms`);
      atom.charge = f[2 + 2 * j]!;
    }
  }

  // Data items: a header line "> <name>", value lines, a blank line.
  const props: Record<string, string> = {};
  for (k++; k < lines.length; k++) {
    const l = lines[k]!;
    if (!l.startsWith('>')) continue;
    const name = /<([^>]*)>/.exec(l)?.[1];
    if (name === undefined) throw new Error(`${at(k)}: data header "${l}" has no <name>`);
    const value: string[] = [];
    while (k + 1 < lines.length && lines[k + 1]!.trim() !== '') value.push(lines[++k]!);
    props[name] = value.join('\n');
  }
  return { title: lines[0]!.trim(), atoms, bonds, coords, props };
}

/** The records of an SD file: each one's lines and the 0-based line number it starts at; blank records dropped. */
function records(text: string): { lines: string[]; first: number }[] {
  const lines = text.split(/\r?\n/);
  const out: { lines: string[]; first: number }[] = [];
  let start = 0;
  for (let i = 0; i <= lines.length; i++) {
    if (i < lines.length && lines[i]!.trimEnd() !== '$$$$') continue;
    const rec = lines.slice(start, i);
    if (rec.some((l) => l.trim() !== '')) out.push({ lines: rec, first: start });
    start = i + 1;
  }
  return out;
}

/** Every molecule of an SD file (V2000); `source` names the input in errors. Throws when it holds none. */
export function readSdf(text: string, source = 'input'): Molecule[] {
  const recs = records(text);
  if (recs.length === 0) throw new Error(`${source}: no molecules in the SD file`);
  return recs.map((r) => readRecord(r.lines, r.first, source));
}

/** The first molecule of a Molfile or SD file (V2000). */
export function readMolfile(text: string, source = 'input'): Molecule {
  const first = records(text)[0];
  if (!first) throw new Error(`${source}: no molecule in the Molfile`);
  return readRecord(first.lines, first.first, source);
}

/** A right-aligned fixed-width field. */
const pad = (x: number | string, width: number) => String(x).padStart(width);

/** One molecule as a V2000 record, "$$$$" included. */
function writeRecord(input: Molecule): string {
  const name = input.title || 'molecule';
  const n = input.atoms.length;
  if (n > MAX_V2000 || input.bonds.length > MAX_V2000) throw new Error(`${name}: ${n} atoms and ${input.bonds.length} bonds do not fit a V2000 Molfile (at most ${MAX_V2000} each)`);
  if (input.coords.length !== 3 * n) throw new Error(`${name}: ${input.coords.length} coordinates for ${n} atoms`);
  const mol = kekulize(input);
  const out = [mol.title.replace(/[\r\n]+/g, ' '), `  DiscoDif          ${is3d(mol) ? '3D' : '2D'}`, '',
    `${pad(n, 3)}${pad(mol.bonds.length, 3)}  0  0  0  0  0  0  0  0999 V2000`];
  mol.atoms.forEach((atom, i) => {
    const xyz = [0, 1, 2].map((d) => mol.coords[3 * i + d]!.toFixed(4));
    if (!xyz.every((s, d) => Number.isFinite(mol.coords[3 * i + d]) && s.length <= 10)) {
      throw new Error(`${name}: atom ${i + 1} has coordinates (${xyz.join(', ')}) that are not finite or do not fit 10 columns`);
    }
    if (elementSymbol(atom.element) !== atom.element) throw new Error(`${name}: atom ${i + 1} has element "${atom.element}", not a known element symbol`);
    out.push(`${xyz.map((s) => pad(s, 10)).join('')} ${atom.element.padEnd(3)} 0  0  0  0  0  0  0  0  0  0  0  0`);
  });
  for (const b of mol.bonds) out.push(`${pad(b.a + 1, 3)}${pad(b.b + 1, 3)}${pad(b.order, 3)}  0  0  0  0`);
  const charged = mol.atoms.flatMap((atom, i) => (atom.charge === 0 ? [] : [[i + 1, atom.charge] as const]));
  for (const [i, q] of charged) {
    if (!Number.isInteger(q) || Math.abs(q) > 15) throw new Error(`${name}: atom ${i} has charge ${q}, not an integer in −15…15`);
  }
  for (let s = 0; s < charged.length; s += 8) {
    const chunk = charged.slice(s, s + 8);
    out.push(`M  CHG${pad(chunk.length, 3)}${chunk.map(([i, q]) => ` ${pad(i, 3)} ${pad(q, 3)}`).join('')}`);
  }
  out.push('M  END');
  for (const [key, value] of Object.entries(mol.props)) {
    if (/[<>\r\n]/.test(key)) throw new Error(`${name}: data field name "${key}" contains <, > or a line break`);
    const lines = value.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n');
    if (lines.length > 1 && lines.some((l) => l.trim() === '')) throw new Error(`${name}: data field "${key}" has a blank line, which would end it early`);
    out.push(`> <${key}>`, ...(value === '' ? [] : lines), '');
  }
  out.push('$$$$');
  return out.join('\n') + '\n';
}

/**
 * An SD file of the molecules (V2000): aromatic bonds kekulized, charges as `M  CHG`, props as data
 * fields. Refuses more than 999 atoms or bonds and coordinates that are not finite.
 */
export function writeSdf(mols: Molecule[]): string {
  return mols.map(writeRecord).join('');
}
