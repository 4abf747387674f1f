/**
 * Tripos MOL2 ("Tripos Mol2 File Format", SYBYL): the MOLECULE, ATOM, BOND and UNITY_ATOM_ATTR
 * sections of every molecule in a file. Elements come from the SYBYL atom types (C.ar → C),
 * formal charges from UNITY_ATOM_ATTR where written, else from the types (N.4, C.cat); the ATOM
 * section's charges are partial charges and are not kept.
 */
import { elementSymbol } from './elements.js';
import type { Atom, Bond, Molecule } from './molecule.js';

/** MOL2 bond types → orders: aromatic is 4, amide single. */
const BOND_ORDER = new Map<string, Bond['order']>([['1', 1], ['2', 2], ['3', 3], ['ar', 4], ['am', 1]]);

/** One molecule's records as read, before elements, charges and bonds are settled. */
interface Record2 {
  title: string;
  /** The MOLECULE line, for errors. */
  at: string;
  counts: { atoms: number; bonds: number | null } | null;
  ids: Map<string, number>;
  types: string[];
  names: string[];
  coords: number[];
  bonds: Bond[];
  /** Formal charges given by UNITY_ATOM_ATTR ("charge q"), by atom index. */
  formal: Map<number, number>;
}

/** The element a SYBYL atom type names: the part before the dot (N.ar → N, Cl → Cl). */
function sybylElement(type: string, at: string): string {
  const element = elementSymbol(type.split('.')[0]!);
  if (element === null) throw new Error(`${at}: SYBYL atom type "${type}" names no element (lone pairs, dummy and query atoms are not read)`);
  return element;
}

/** A number field of a MOL2 line. */
function numberField(s: string | undefined, what: string, at: string): number {
  const v = Number(s);
  if (s === undefined || s === '' || !Number.isFinite(v)) throw new Error(`${at}: ${what} "${s ?? ''}" is not a number`);
  return v;
}

/**
 * SYBYL writes the bonds of a carboxylate or phosphate (to O.co2) and of a guanidinium or amidinium
 * carbon (C.cat) as aromatic outside rings. Each such centre gets one double bond, to an uncharged
 * O.co2 or to the N that carries the group's +1, and single bonds to the rest.
 */
function settleDelocalised(types: string[], atoms: Atom[], bonds: Bond[], chargesGiven: boolean): void {
  const centres = new Map<number, Bond[]>();
  for (const bond of bonds) {
    if (bond.order !== 4) continue;
    const centre = types[bond.b] === 'O.co2' || types[bond.a] === 'C.cat' ? bond.a
      : types[bond.a] === 'O.co2' || types[bond.b] === 'C.cat' ? bond.b : -1;
    if (centre >= 0) centres.set(centre, [...(centres.get(centre) ?? []), bond]);
  }
  for (const [centre, group] of centres) {
    const other = (b: Bond) => (b.a === centre ? b.b : b.a);
    const cation = types[centre] === 'C.cat';
    const double = group.find((b) => atoms[other(b)]!.charge === (cation && chargesGiven ? 1 : 0)) ?? group[0]!;
    for (const b of group) b.order = b === double ? 2 : 1;
    if (cation && !chargesGiven) atoms[other(double)]!.charge = 1;
  }
}

/** The molecule of one MOL2 record. */
function build(rec: Record2, source: string): Molecule {
  const n = rec.types.length;
  if (n === 0) throw new Error(`${rec.at}: molecule "${rec.title}" has no atoms`);
  if (rec.counts && (rec.counts.atoms !== n || (rec.counts.bonds ?? rec.bonds.length) !== rec.bonds.length)) {
    throw new Error(`${rec.at}: molecule "${rec.title}" declares ${rec.counts.atoms} atoms and ${rec.counts.bonds ?? 'any number of'} bonds but lists ${n} and ${rec.bonds.length}`);
  }
  const chargesGiven = rec.formal.size > 0;
  const atoms: Atom[] = rec.types.map((type, i) => ({
    element: sybylElement(type, `${source}: molecule "${rec.title}" atom ${i + 1}`),
    charge: chargesGiven ? rec.formal.get(i) ?? 0 : type === 'N.4' ? 1 : 0,
    name: rec.names[i]!,
  }));
  settleDelocalised(rec.types, atoms, rec.bonds, chargesGiven);
  return { title: rec.title, atoms, bonds: rec.bonds, coords: Float64Array.from(rec.coords), props: {} };
}

/** Every molecule of a MOL2 text; `source` names it in errors. Throws when it holds none. */
export function readMol2(text: string, source = 'input'): Molecule[] {
  const lines = text.split(/\r?\n/);
  const recs: Record2[] = [];
  let section = '';
  let row = 0;
  let attr: { atom: number; left: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const at = `${source}:${i + 1}`;
    const trimmed = line.trim();
    if (trimmed.startsWith('@<TRIPOS>')) {
      section = trimmed.slice(9).toUpperCase();
      row = 0;
      attr = null;
      if (section === 'MOLECULE') recs.push({ title: '', at, counts: null, ids: new Map(), types: [], names: [], coords: [], bonds: [], formal: new Map() });
      else if (recs.length === 0) throw new Error(`${at}: @<TRIPOS>${section} before any @<TRIPOS>MOLECULE`);
      continue;
    }
    const rec = recs[recs.length - 1];
    if (!rec) continue;
    row++;
    // The MOLECULE section is read by line position (a name may be blank); the others skip blank and comment lines.
    if (section === 'MOLECULE') {
      if (row === 1) rec.title = trimmed;
      if (row === 2) {
        const f = trimmed.split(/\s+/);
        rec.counts = { atoms: numberField(f[0], 'atom count', at), bonds: f[1] === undefined ? null : numberField(f[1], 'bond count', at) };
      }
      continue;
    }
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const f = trimmed.split(/\s+/);
    if (section === 'ATOM') {
      if (f.length < 6) throw new Error(`${at}: ATOM line has ${f.length} fields, fewer than the 6 (id, name, x, y, z, type) it needs`);
      if (rec.ids.has(f[0]!)) throw new Error(`${at}: atom id ${f[0]} appears twice`);
      rec.ids.set(f[0]!, rec.types.length);
      rec.names.push(f[1]!);
      rec.coords.push(numberField(f[2], 'x', at), numberField(f[3], 'y', at), numberField(f[4], 'z', at));
      rec.types.push(f[5]!);
    } else if (section === 'BOND') {
      if (f.length < 4) throw new Error(`${at}: BOND line has ${f.length} fields, fewer than the 4 (id, origin, target, type) it needs`);
      const a = rec.ids.get(f[1]!);
      const b = rec.ids.get(f[2]!);
      if (a === undefined || b === undefined || a === b) throw new Error(`${at}: bond joins atoms ${f[1]} and ${f[2]}, not two atoms of the ATOM section`);
      const order = BOND_ORDER.get(f[3]!.toLowerCase());
      if (order === undefined) throw new Error(`${at}: bond type "${f[3]}" is not 1, 2, 3, ar or am`);
      rec.bonds.push({ a, b, order });
    } else if (section === 'UNITY_ATOM_ATTR') {
      if (attr === null || attr.left === 0) {
        const atom = rec.ids.get(f[0]!);
        if (atom === undefined || f.length < 2) throw new Error(`${at}: UNITY_ATOM_ATTR line "${trimmed}" does not name an atom and an attribute count`);
        attr = { atom, left: numberField(f[1], 'attribute count', at) };
      } else {
        if (f[0] === 'charge') rec.formal.set(attr.atom, numberField(f[1], 'formal charge', at));
        attr.left--;
      }
    }
  }
  if (recs.length === 0) throw new Error(`${source}: no @<TRIPOS>MOLECULE in the MOL2 file`);
  return recs.map((rec) => build(rec, source));
}
