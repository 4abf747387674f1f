// Molecule and receptor files: SDF/Molfile, MOL2, PDBQT, PDB, mmCIF, SMILES, kekulization.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kekulize } from '../../src/chem/kekulize.js';
import type { Bond, Molecule } from '../../src/chem/molecule.js';
import { readMol2 } from '../../src/chem/mol2.js';
import { ligandFromPdb } from '../../src/chem/pdb.js';
import { readPdbqtLigand } from '../../src/chem/pdbqt.js';
import { readLigand, readLigands } from '../../src/chem/read-ligand.js';
import {
  RESIDUE_TYPES, pocketResidues, readReceptor, readReceptorFile, receptorCenter, residueCA, residueTypeIndex,
} from '../../src/chem/receptor.js';
import { is3d, readMolfile, readSdf, writeSdf } from '../../src/chem/sdf.js';
import { moleculeFromSmiles } from '../../src/chem/smiles.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'disco-chem-io-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** The distance between atoms a and b. */
const dist = (m: Molecule, a: number, b: number) =>
  Math.hypot(m.coords[3 * a]! - m.coords[3 * b]!, m.coords[3 * a + 1]! - m.coords[3 * b + 1]!, m.coords[3 * a + 2]! - m.coords[3 * b + 2]!);

/** Each atom's valence: the sum of its bond orders. */
const valences = (m: Molecule) => {
  const v = m.atoms.map(() => 0);
  for (const { a, b, order } of m.bonds) { v[a]! += order; v[b]! += order; }
  return v;
};

/** A molecule from elements, bonds "a-b-order" (0-based) and coordinates (zero when left out). */
function mol(title: string, elements: string[], bonds: string[], coords?: number[]): Molecule {
  return {
    title,
    atoms: elements.map((e) => {
      const m = /^([A-Z][a-z]?)([+-]\d*)?$/.exec(e)!;
      return { element: m[1]!, charge: m[2] ? Number(m[2].length === 1 ? `${m[2]}1` : m[2]) : 0 };
    }),
    bonds: bonds.map((s) => { const [a, b, o] = s.split('-').map(Number); return { a: a!, b: b!, order: o as Bond['order'] }; }),
    coords: Float64Array.from(coords ?? elements.flatMap(() => [0, 0, 0])),
    props: {},
  };
}

// Glycine zwitterion H3N+–CH2–COO−, heavy atoms N C C O O then 5 H.
const glycine = mol('glycine zwitterion', ['N+', 'C', 'C', 'O', 'O-', 'H', 'H', 'H', 'H', 'H'],
  ['0-1-1', '1-2-1', '2-3-2', '2-4-1', '0-5-1', '0-6-1', '0-7-1', '1-8-1', '1-9-1'],
  [-1.23456789, 0.1, 0.2, 0.1, 0.98765432, -0.3, 1.45, 0.33333333, 0.1, 1.9, 1.4, 0.2, 2.2, -0.6, -0.4,
    -1.6, 0.4, 1.1, -1.9, -0.8, -0.2, -1.2, 0.9, -0.7, 0.2, 1.6, -0.7, 0.0, 1.0, 1.2]);
glycine.props = { name: 'glycine', note: 'two\nlines', empty: '' };

test('SDF write → read keeps atoms, bonds, charges, coordinates (1e-4 Å) and data fields', () => {
  const [back] = readSdf(writeSdf([glycine]), 'gly.sdf');
  assert.equal(back!.title, glycine.title);
  assert.deepEqual(back!.atoms, glycine.atoms);
  assert.deepEqual(back!.bonds, glycine.bonds);
  assert.deepEqual(back!.props, glycine.props);
  glycine.coords.forEach((x, i) => assert.ok(Math.abs(back!.coords[i]! - x) <= 5e-5, `coordinate ${i}: ${back!.coords[i]} vs ${x}`));
  assert.ok(is3d(back!));
});

test('SDF writing kekulizes aromatic bonds and refuses what V2000 cannot hold', () => {
  const benzene = mol('benzene', ['C', 'C', 'C', 'C', 'C', 'C'], ['0-1-4', '1-2-4', '2-3-4', '3-4-4', '4-5-4', '0-5-4'],
    [1.4, 0, 0.1, 0.7, 1.2, 0, -0.7, 1.2, 0, -1.4, 0, 0, -0.7, -1.2, 0, 0.7, -1.2, 0]);
  const back = readMolfile(writeSdf([benzene]));
  assert.deepEqual(back.bonds.map((b) => b.order).sort(), [1, 1, 1, 2, 2, 2]);
  assert.deepEqual(valences(back), [3, 3, 3, 3, 3, 3]);
  const nan = { ...glycine, coords: glycine.coords.map((x, i) => (i === 4 ? NaN : x)) };
  assert.throws(() => writeSdf([nan]), /glycine zwitterion: atom 2 has coordinates \(0\.1000, NaN, .*not finite/);
  const big = mol('big', new Array<string>(1000).fill('C'), []);
  assert.throws(() => writeSdf([big]), /big: 1000 atoms .* do not fit a V2000 Molfile \(at most 999/);
  assert.throws(() => writeSdf([{ ...glycine, props: { bad: 'a\n\nb' } }]), /data field "bad" has a blank line/);
});

const twoMolecules = `methylammonium
  test

  2  1  0  0  0  0  0  0  0  0999 V2000
    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    1.4700    0.0000    0.1000 N   0  3  0  0  0  0  0  0  0  0  0  0
  1  2  1  0
M  END
> <id>
CH3NH3+

$$$$
acetate
  test

  4  3  0  0  0  0  0  0  0  0999 V2000
    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    1.5000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    2.1000    1.1000    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0
    2.1000   -1.1000    0.0000 O   0  3  0  0  0  0  0  0  0  0  0  0
  1  2  1  0
  2  3  2  0
  2  4  1  0
M  CHG  1   4  -1
M  END
>  <id>  (2)
CH3COO-
second line

$$$$
`;

test('readSdf reads both molecules of an SD file: atom-block charges, M  CHG over them, data fields, the 2-D check', () => {
  const [a, b, ...rest] = readSdf(twoMolecules, 'two.sdf');
  assert.equal(rest.length, 0);
  assert.equal(a!.title, 'methylammonium');
  assert.deepEqual(a!.atoms, [{ element: 'C', charge: 0 }, { element: 'N', charge: 1 }]);
  assert.deepEqual(a!.props, { id: 'CH3NH3+' });
  assert.ok(is3d(a!));
  assert.equal(b!.title, 'acetate');
  assert.deepEqual(b!.atoms.map((x) => x.charge), [0, 0, 0, -1]);
  assert.deepEqual(b!.bonds, [{ a: 0, b: 1, order: 1 }, { a: 1, b: 2, order: 2 }, { a: 1, b: 3, order: 1 }]);
  assert.deepEqual(b!.props, { id: 'CH3COO-\nsecond line' });
  assert.equal(is3d(b!), false);
  assert.deepEqual(b!.coords.slice(9, 12), Float64Array.from([2.1, -1.1, 0]));
  assert.equal(readMolfile(twoMolecules).title, 'methylammonium');
});

test('SDF errors name the file, line and problem', () => {
  const lines = twoMolecules.split('\n');
  const edit = (i: number, line: string) => lines.map((l, k) => (k === i ? line : l)).join('\n');
  assert.throws(() => readSdf(edit(3, '  2  1  0  0  0  0  0  0  0  0999 V3000'), 'x.sdf'), /^Error: x\.sdf:4: V3000 Molfiles are not read; convert to V2000/);
  assert.throws(() => readSdf(edit(5, '    1.4700       abc    0.1000 N   0  3'), 'x.sdf'), /x\.sdf:6: coordinate "abc" is not a number/);
  assert.throws(() => readSdf(edit(5, '    1.4700    0.0000    0.1000 Q   0  0'), 'x.sdf'), /x\.sdf:6: atom 2 has element "Q", not a known element/);
  assert.throws(() => readSdf(edit(6, '  1  2  8  0'), 'x.sdf'), /x\.sdf:7: bond type 8 is not 1, 2, 3 or 4/);
  assert.throws(() => readSdf(edit(6, '  1  3  1  0'), 'x.sdf'), /x\.sdf:7: bond 1 joins atoms 1 and 3, not two of the 2 atoms/);
  assert.throws(() => readSdf(lines.slice(0, 6).join('\n'), 'x.sdf'), /x\.sdf:7: Molfile ends before its bond 1/);
  assert.throws(() => readSdf(edit(7, ''), 'x.sdf'), /x\.sdf:\d+: Molfile ends before its "M  END" line/);
  assert.throws(() => readSdf('\n\n', 'x.sdf'), /x\.sdf: no molecules in the SD file/);
});

test('kekulize: benzene, pyridine and pyrrole (with hydrogens or without) get alternating bonds and right valences', () => {
  const ring = ['0-1-4', '1-2-4', '2-3-4', '3-4-4', '4-5-4', '0-5-4'];
  const hs = (n: number, first: number) => Array.from({ length: n }, (_, k) => `${k}-${first + k}-1`);
  const benzene = kekulize(mol('benzene', [...'CCCCCC', ...'HHHHHH'], [...ring, ...hs(6, 6)]));
  assert.deepEqual(valences(benzene), [4, 4, 4, 4, 4, 4, 1, 1, 1, 1, 1, 1]);
  // Pyridine: N is atom 0, with no hydrogen.
  const pyridine = kekulize(mol('pyridine', ['N', ...'CCCCC', ...'HHHHH'], [...ring, '1-6-1', '2-7-1', '3-8-1', '4-9-1', '5-10-1']));
  assert.deepEqual(valences(pyridine).slice(0, 6), [3, 4, 4, 4, 4, 4]);
  // Pyrrole: N–H takes no double bond; C2=C3 and C4=C5.
  const five = ['0-1-4', '1-2-4', '2-3-4', '3-4-4', '0-4-4'];
  const pyrrole = kekulize(mol('pyrrole', ['N', ...'CCCC', ...'HHHHH'], [...five, ...hs(5, 5)]));
  assert.deepEqual(valences(pyrrole).slice(0, 5), [3, 4, 4, 4, 4]);
  assert.deepEqual(pyrrole.bonds.slice(0, 5).map((b) => b.order), [1, 2, 1, 2, 1]);
  // Without hydrogens the same pyrrole ring and pyridine ring both work (a two-connected N may take a double bond).
  assert.deepEqual(kekulize(mol('pyrrole', ['N', ...'CCCC'], five)).bonds.map((b) => b.order), [1, 2, 1, 2, 1]);
  assert.deepEqual(valences(kekulize(mol('pyridine', ['N', ...'CCCCC'], ring))), [3, 3, 3, 3, 3, 3]);
  // Furan O and the aromatic bonds of a pyridinium N+ (three-connected, needs its double bond).
  assert.deepEqual(valences(kekulize(mol('furan', ['O', ...'CCCC', ...'HHHH'], [...five, '1-5-1', '2-6-1', '3-7-1', '4-8-1']))).slice(0, 5), [2, 4, 4, 4, 4]);
  assert.deepEqual(valences(kekulize(mol('pyridinium', ['N+', ...'CCCCC', 'H'], [...ring, '0-6-1'])))[0], 4);
  // Five C–H carbons in an aromatic ring (neutral cyclopentadienyl) have no Kekulé structure.
  assert.throws(() => kekulize(mol('cp', [...'CCCCC', ...'HHHHH'], [...five, ...hs(5, 5)])),
    /cannot kekulize cp: no alternating single\/double bonds give each of the aromatic atoms C1, C2, C3, C4, C5 one double bond/);
});

test('MOL2: elements from SYBYL types, bond types, formal charges from UNITY_ATOM_ATTR or the types', () => {
  const mols = readMol2(fixture('ligands.mol2'), 'ligands.mol2');
  assert.deepEqual(mols.map((m) => [m.title, m.atoms.length, m.bonds.length]),
    [['benzoate', 14, 14], ['methylammonium', 8, 7], ['benzoate without formal charges', 14, 14]]);
  const [benzoate, methylammonium, plain] = mols;
  assert.deepEqual(benzoate!.atoms.slice(6, 10), [{ element: 'C', charge: 0, name: 'C' }, { element: 'O', charge: 0, name: 'O' }, { element: 'O', charge: -1, name: 'O' }, { element: 'H', charge: 0, name: 'H' }]);
  // Ring bonds stay aromatic; the carboxylate's 'ar' bonds get C=O to the uncharged O and C–O− to the charged one.
  assert.deepEqual(benzoate!.bonds.map((b) => b.order), [4, 4, 4, 4, 4, 4, 1, 2, 1, 1, 1, 1, 1, 1]);
  assert.deepEqual(methylammonium!.atoms.map((a) => a.charge), [0, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(plain!.atoms.map((a) => a.charge), new Array(14).fill(0));
  assert.deepEqual(plain!.bonds.slice(7, 9).map((b) => b.order), [2, 1]);
  assert.deepEqual(Array.from(benzoate!.coords.slice(0, 3)), [1.3886, -0.223, -0.0548]);
  // A guanidinium carbon (C.cat) with three 'ar' bonds: one C=N+, two C–N.
  const guanidinium = `@<TRIPOS>MOLECULE
guanidinium
4 3
SMALL
NO_CHARGES
@<TRIPOS>ATOM
1 C1 0.0 0.0 0.1 C.cat
2 N1 1.3 0.0 0.0 N.pl3
3 N2 -0.65 1.13 0.0 N.pl3
4 N3 -0.65 -1.13 0.0 N.pl3
@<TRIPOS>BOND
1 1 2 ar
2 1 3 ar
3 1 4 ar
`;
  const [g] = readMol2(guanidinium, 'g.mol2');
  assert.deepEqual(g!.bonds.map((b) => b.order), [2, 1, 1]);
  assert.deepEqual(g!.atoms.map((a) => a.charge), [0, 1, 0, 0]);
  assert.throws(() => readMol2(guanidinium.replace('C.cat', 'Du'), 'g.mol2'), /g\.mol2: molecule "guanidinium" atom 1: SYBYL atom type "Du" names no element/);
  assert.throws(() => readMol2(guanidinium.replace('1 1 2 ar', '1 1 2 un'), 'g.mol2'), /g\.mol2:12: bond type "un" is not 1, 2, 3, ar or am/);
  assert.throws(() => readMol2(guanidinium.replace('4 3', '5 3'), 'g.mol2'), /g\.mol2:1: molecule "guanidinium" declares 5 atoms and 3 bonds but lists 4 and 3/);
});

const amprenavirMol2 = '/usr/share/doc/pdb2pqr/examples/ligands/LIG_1HPV.mol2';
test('MOL2: amprenavir of PDB 1HPV (pdb2pqr examples)', { skip: !existsSync(amprenavirMol2) && 'pdb2pqr examples not installed' }, () => {
  const [m, ...rest] = readMol2(readFileSync(amprenavirMol2, 'utf8'), amprenavirMol2);
  assert.equal(rest.length, 0);
  assert.equal(m!.atoms.length, 70);
  assert.equal(m!.bonds.length, 72);
  const count = (e: string) => m!.atoms.filter((a) => a.element === e).length;
  assert.deepEqual(['C', 'H', 'N', 'O', 'S'].map(count), [25, 35, 3, 6, 1]);
  assert.equal(m!.bonds.filter((b) => b.order === 4).length, 12);
  const k = kekulize(m!);
  valences(k).forEach((v, i) => assert.equal(v, { C: 4, H: 1, N: 3, O: 2, S: 6 }[m!.atoms[i]!.element], `atom ${i + 1}`));
});

test('PDBQT ligand: elements from AutoDock types, single bonds from distances', () => {
  const phenol = readPdbqtLigand(fixture('phenol.pdbqt'), 'phenol.pdbqt');
  assert.deepEqual(phenol.atoms.map((a) => a.element), ['C', 'C', 'C', 'C', 'C', 'C', 'O', 'H']);
  assert.deepEqual(phenol.bonds.map((b) => `${b.a + 1}-${b.b + 1}:${b.order}`).sort(),
    ['1-2:1', '1-6:1', '1-7:1', '2-3:1', '3-4:1', '4-5:1', '5-6:1', '7-8:1']);
  assert.deepEqual(Array.from(phenol.coords.slice(21, 24)), [2.594, -0.893, -0.014]);
  assert.throws(() => readPdbqtLigand(fixture('phenol.pdbqt').replace('HD', 'XX'), 'p.pdbqt'), /p\.pdbqt:17: AutoDock type "XX" names no element/);
  assert.throws(() => readPdbqtLigand('REMARK nothing\n', 'p.pdbqt'), /p\.pdbqt: no ATOM\/HETATM records/);
});

test('PDB receptor: first model, first altloc, waters/ligands/nucleotides dropped, HIE → HIS, MSE kept as MET', () => {
  const rec = readReceptorFile(join(fixtures, 'receptor.pdb'));
  assert.equal(rec.title, 'TINY TEST RECEPTOR');
  assert.deepEqual(rec.residues.map((r) => `${r.name} ${r.chain}${r.seq}${r.icode} ${r.atoms.length}`), ['ALA A1 5', 'HIS A2 6', 'SER A3 3', 'MET A3A 3']);
  const [ala, his, ser, met] = rec.residues;
  assert.deepEqual(ala!.atoms[4], { name: 'CB', element: 'C', coord: [11.401, 7.399, -4.425] });
  assert.deepEqual(ser!.atoms[2]!.coord, [19.001, 8.912, -3.33]);
  assert.deepEqual(his!.atoms.map((a) => a.element), ['N', 'C', 'C', 'O', 'N', 'H']);
  assert.equal(met!.atoms[2]!.element, 'Se');
  assert.deepEqual(residueCA(his!), [15.274, 5.974, -4.002]);
  assert.equal(residueCA({ ...his!, atoms: his!.atoms.filter((a) => a.name !== 'CA') }), null);
  const center = receptorCenter(rec);
  [(11.639 + 15.274 + 17.965 + 19.53) / 4, (6.071 + 5.974 + 7.392 + 9.42) / 4, (-5.147 - 4.002 - 1.719 - 0.28) / 4]
    .forEach((c, d) => assert.ok(Math.abs(center[d]! - c) < 1e-12));
  // Within 2 Å of the HIE ND1: only HIS; within 3.7 Å of the ALA N: ALA and HIS (its N is 3.61 Å away).
  assert.deepEqual(pocketResidues(rec, [16.202, 3.6, -4.901], 2).map((r) => r.name), ['HIS']);
  assert.deepEqual(pocketResidues(rec, [11.104, 6.134, -6.504], 3.7).map((r) => r.name), ['ALA', 'HIS']);
  assert.equal(RESIDUE_TYPES.length, 21);
  assert.deepEqual(['ALA', 'HIE', 'CYX', 'MSE', 'VAL', 'HOH', 'XYZ'].map(residueTypeIndex), [0, 8, 4, 12, 19, 20, 20]);
});

test('mmCIF receptor equals the same structure written as PDB (quotes, a text field, models, label/auth fields)', () => {
  assert.deepEqual(readReceptorFile(join(fixtures, 'receptor.cif')), {
    ...readReceptorFile(join(fixtures, 'receptor.pdb')),
  });
  assert.throws(() => readReceptor('data_x\n_cell.length_a 1\n', 'cif', 'x.cif'), /x\.cif: no _atom_site loop/);
  assert.throws(() => readReceptor(fixture('receptor.cif').replace('19.001', '19.0o1'), 'cif', 'r.cif'), /r\.cif:47: Cartn_x "19\.0o1" is not a number/);
});

test('receptor errors: no amino acids names the file; extensions; regular files only', () => {
  const water = 'HETATM    1  O   HOH A   1      10.000  10.000  10.000  1.00  0.00           O\nEND\n';
  assert.throws(() => readReceptor(water, 'pdb', 'water.pdb'), /^Error: receptor water\.pdb has no amino-acid atoms/);
  assert.throws(() => readReceptorFile(join(fixtures, 'phenol.txt')), /unknown extension "\.txt" \(use \.pdb, \.ent, \.pdbqt, \.cif or \.mmcif\)/);
  const folder = join(dir, 'folder.pdb');
  mkdirSync(folder);
  assert.throws(() => readReceptorFile(folder), /receptor file .*folder\.pdb is a directory, not a file/);
  assert.throws(() => readReceptorFile(join(dir, 'missing.pdb')), /receptor file not found: .*missing\.pdb/);
  const bad = fixture('receptor.pdb').replace('  11.639   6.071', '  11.639   6.0x1');
  assert.throws(() => readReceptor(bad, 'pdb', 'r.pdb'), /r\.pdb:5: y "6\.0x1" is not a number/);
  // A PDBQT receptor: the same residue read from AutoDock types.
  const pdbqt = 'ATOM      1  N   ALA A   1      11.104   6.134  -6.504  1.00  0.00    -0.350 N \n'
    + 'ATOM      2  CA  ALA A   1      11.639   6.071  -5.147  1.00  0.00     0.170 C \n'
    + 'ATOM      3  OG  SER A   2      13.596   5.080  -6.070  1.00  0.00    -0.390 OA\n';
  const rec = readReceptor(pdbqt, 'pdbqt', 'r.pdbqt');
  assert.deepEqual(rec.residues.map((r) => [r.name, r.atoms.map((a) => a.element).join('')]), [['ALA', 'NC'], ['SER', 'O']]);
});

test('ligandFromPdb: the first residue of that name, bonds from distances', () => {
  const lig = ligandFromPdb(fixture('receptor.pdb'), 'LIG', 'receptor.pdb');
  assert.equal(lig.title, 'LIG A101');
  assert.deepEqual(lig.atoms.map((a) => a.name), ['C1', 'C2', 'O1']);
  assert.deepEqual(lig.bonds, [{ a: 0, b: 1, order: 1 }, { a: 1, b: 2, order: 1 }]);
  assert.throws(() => ligandFromPdb(fixture('receptor.pdb'), 'ATP', 'receptor.pdb'), /receptor\.pdb: no HETATM records of residue ATP/);
});

test('SMILES → 3-D conformer with hydrogens: plausible bond lengths, not flat, reproducible by seed', () => {
  const m = moleculeFromSmiles('CCc1ccccc1', 7);
  assert.equal(m.atoms.length, 18);
  assert.deepEqual([...new Set(m.bonds.map((b) => b.order))].sort(), [1, 2]);
  const degree = m.atoms.map(() => 0);
  for (const { a, b } of m.bonds) { degree[a]!++; degree[b]!++; }
  const cc = m.bonds.filter(({ a, b }) => m.atoms[a]!.element === 'C' && m.atoms[b]!.element === 'C');
  const aromatic = cc.filter(({ a, b }) => degree[a] === 3 && degree[b] === 3);
  const single = cc.filter(({ a, b }) => degree[a] === 4 || degree[b] === 4);
  assert.equal(aromatic.length, 6);
  assert.equal(single.length, 2);
  for (const { a, b } of aromatic) assert.ok(dist(m, a, b) > 1.35 && dist(m, a, b) < 1.45, `aromatic C–C ${dist(m, a, b)}`);
  for (const { a, b } of single) assert.ok(dist(m, a, b) > 1.45 && dist(m, a, b) < 1.6, `C–C ${dist(m, a, b)}`);
  const z = m.atoms.map((_, i) => m.coords[3 * i + 2]!);
  assert.ok(Math.max(...z) - Math.min(...z) > 0.5);
  assert.deepEqual(moleculeFromSmiles('CCc1ccccc1', 7).coords, m.coords);
  assert.throws(() => moleculeFromSmiles('C1CC', 7), /^Error: invalid SMILES "C1CC": SmilesParser: dangling ring closure/);
  assert.throws(() => moleculeFromSmiles('CC.O', 7), /invalid SMILES "CC\.O": 2 disconnected fragments/);
  assert.throws(() => moleculeFromSmiles('CC', 1.5), /conformer seed 1\.5 is not an integer/);
});

test('readLigand / readLigands: files by extension, SMILES otherwise; 3-D, empty and missing files refused', () => {
  const mol2 = join(fixtures, 'ligands.mol2');
  assert.equal(readLigand(mol2, 0).title, 'benzoate');
  assert.deepEqual(readLigands(mol2, 0).map((m) => m.atoms.length), [14, 8, 14]);
  assert.equal(readLigand(join(fixtures, 'phenol.pdbqt'), 0).atoms.length, 8);
  const sdf = join(dir, 'two.sdf');
  writeFileSync(sdf, writeSdf([glycine, { ...glycine, title: 'second' }]));
  assert.equal(readLigand(sdf, 0).title, 'glycine zwitterion');
  assert.deepEqual(readLigands(sdf, 0).map((m) => m.title), ['glycine zwitterion', 'second']);
  const flat = join(dir, 'flat.mol');
  writeFileSync(flat, twoMolecules.split('$$$$')[1]!.trimStart());
  assert.throws(() => readLigand(flat, 0), new RegExp(`^Error: ligand ${flat} has no 3-D coordinates \\(all z = 0\\); give a 3-D file or a SMILES string$`));
  const empty = join(dir, 'empty.sdf');
  writeFileSync(empty, '\n');
  assert.throws(() => readLigand(empty, 0), /ligand file .*empty\.sdf is empty/);
  assert.throws(() => readLigand(join(dir, 'nope.sdf'), 0), /ligand file not found: .*nope\.sdf/);
  assert.throws(() => readLigand(join(dir, 'two.xyz'), 0), /invalid SMILES/);
  writeFileSync(join(dir, 'two.xyz'), 'x');
  assert.throws(() => readLigand(join(dir, 'two.xyz'), 0), /ligand file .*two\.xyz: unknown extension "\.xyz"/);
  const fromSmiles = readLigand('OCC', 3);
  assert.equal(fromSmiles.title, 'OCC');
  assert.equal(fromSmiles.atoms.length, 9);
});

/** Atom and bond counts as Open Babel reads an SD file (its `atoms` and `bonds` descriptors). */
function obabelCounts(path: string): number[][] {
  const r = spawnSync('obabel', ['-isdf', path, '-osmi', '--append', 'atoms bonds'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).slice(-2).map(Number));
}
const hasObabel = spawnSync('obabel', ['-V']).status === 0;
const hasRdkit = spawnSync('/usr/bin/python3', ['-c', 'import rdkit']).status === 0;

/** Molecules for the external readers: MOL2 fixtures with aromatic rings and charges, glycine, amprenavir when installed. */
const external = () => [
  ...readMol2(fixture('ligands.mol2'), 'ligands.mol2'), glycine,
  ...(existsSync(amprenavirMol2) ? readMol2(readFileSync(amprenavirMol2, 'utf8'), amprenavirMol2) : []),
];

test('Open Babel reads writeSdf output with the same atom and bond counts', { skip: !hasObabel && 'obabel not on PATH' }, () => {
  const path = join(dir, 'for-obabel.sdf');
  const mols = external();
  writeFileSync(path, writeSdf(mols));
  assert.deepEqual(obabelCounts(path), mols.map((m) => [m.atoms.length, m.bonds.length]));
});

test('RDKit reads writeSdf output (sanitized) with the same atom and bond counts', { skip: !hasRdkit && 'RDKit not importable by /usr/bin/python3' }, () => {
  const path = join(dir, 'for-rdkit.sdf');
  const mols = external();
  writeFileSync(path, writeSdf(mols));
  const script = 'import sys\nfrom rdkit import Chem\nfor m in Chem.SDMolSupplier(sys.argv[1], sanitize=True, removeHs=False):\n    print(m.GetNumAtoms(), m.GetNumBonds())';
  const r = spawnSync('/usr/bin/python3', ['-c', script, path], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.split(' ').map(Number)), mols.map((m) => [m.atoms.length, m.bonds.length]));
});
