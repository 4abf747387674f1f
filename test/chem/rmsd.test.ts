// Heavy-atom automorphisms and symmetry-corrected RMSD: closed forms on hand-built molecules,
// the cap on symmetric molecules, and agreement with Open Babel's obrms on Vina modes of the data set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { automorphisms, type Automorphisms } from '../../src/chem/automorphisms.js';
import type { Molecule } from '../../src/chem/molecule.js';
import { rmsdInPlace, symmetricRmsd, symmetricRmsdMany } from '../../src/chem/rmsd.js';
import { benzene, hexagon, molecule, ringBonds } from '../docking/fixtures/molecules.js';

/** Checks that every permutation is a bijection that keeps elements and maps bonds onto bonds. */
function assertAutomorphisms(mol: Molecule, sym: Automorphisms): void {
  const key = (i: number, j: number) => `${Math.min(i, j)}-${Math.max(i, j)}`;
  const position = new Map(sym.atoms.map((a, k) => [a, k]));
  const bonds = new Set(mol.bonds.filter((b) => position.has(b.a) && position.has(b.b)).map((b) => key(position.get(b.a)!, position.get(b.b)!)));
  for (const p of sym.perms) {
    assert.equal(new Set(p).size, sym.atoms.length);
    p.forEach((q, k) => assert.equal(mol.atoms[sym.atoms[q]!]!.element, mol.atoms[sym.atoms[k]!]!.element));
    for (const b of bonds) {
      const [i, j] = b.split('-').map(Number) as [number, number];
      assert.ok(bonds.has(key(p[i]!, p[j]!)), `bond ${b} not kept`);
    }
  }
  assert.deepEqual([...sym.perms[0]!], sym.atoms.map((_, k) => k), 'the identity comes first');
}

const acetate = () => molecule(['C', 'C', 'O', 'O'], [[0, 1, 1], [1, 2, 2], [1, 3, 1]], [0, 0, 0, 1.5, 0, 0, 2.1, 1.1, 0, 2.1, -1.1, 0], [0, 0, 0, -1]);

test('automorphism counts: benzene 12 (Kekulé orders ignored), toluene 2, naphthalene 4, biphenyl 8, acetate 2, neopentane 24', () => {
  const toluene = molecule([...Array(7).fill('C')], [...ringBonds(0, [2, 1, 2, 1, 2, 1]), [0, 6, 1]]);
  const naphthalene = molecule(Array(10).fill('C'), [...ringBonds(0, [2, 1, 2, 1, 2, 1]), [5, 6, 1], [6, 7, 2], [7, 8, 1], [8, 9, 2], [9, 0, 1]]);
  const biphenyl = molecule(Array(12).fill('C'), [...ringBonds(0, [2, 1, 2, 1, 2, 1]), ...ringBonds(6, [2, 1, 2, 1, 2, 1]), [0, 6, 1]]);
  const neopentane = molecule(Array(5).fill('C'), [[0, 1, 1], [0, 2, 1], [0, 3, 1], [0, 4, 1]]);
  for (const [mol, count] of [[benzene(), 12], [toluene, 2], [naphthalene, 4], [biphenyl, 8], [acetate(), 2], [neopentane, 24]] as const) {
    const sym = automorphisms(mol);
    assert.equal(sym.perms.length, count);
    assert.equal(sym.complete, true);
    assertAutomorphisms(mol, sym);
  }
});

test('hydrogens are left out of the permutations and of the RMSD', () => {
  // Methanol C–O with 4 H: the heavy atoms C and O have no symmetry; moving H changes nothing.
  const mol = molecule(['C', 'O', 'H', 'H', 'H', 'H'], [[0, 1, 1], [0, 2, 1], [0, 3, 1], [0, 4, 1], [1, 5, 1]]);
  const sym = automorphisms(mol);
  assert.deepEqual(sym.atoms, [0, 1]);
  assert.equal(sym.perms.length, 1);
  const a = new Float64Array(18);
  const b = a.slice();
  b[3] = 0.6; // O moves 0.6 Å along x
  b.fill(5, 6); // every H moves far away
  assert.ok(Math.abs(symmetricRmsd(mol, a, b) - Math.sqrt(0.36 / 2)) < 1e-12);
});

test('the search stops at the limit and says so: C(CF3)4 has 4!·6⁴ = 31104 automorphisms', () => {
  const elements = ['C'];
  const bonds: [number, number, 1][] = [];
  for (let g = 0; g < 4; g++) {
    const c = elements.push('C') - 1;
    bonds.push([0, c, 1]);
    for (let f = 0; f < 3; f++) bonds.push([c, elements.push('F') - 1, 1]);
  }
  const mol = molecule(elements, bonds);
  const t0 = performance.now();
  const capped = automorphisms(mol);
  const ms = performance.now() - t0;
  assert.equal(capped.perms.length, 10_000);
  assert.equal(capped.complete, false);
  assert.ok(ms < 5000, `${ms} ms`);
  const few = automorphisms(mol, { limit: 5 });
  assert.equal(few.perms.length, 5);
  assert.equal(few.complete, false);
  assertAutomorphisms(mol, few);
  assert.equal(automorphisms(mol, { limit: 31104 }).complete, true);
  assert.throws(() => automorphisms(mol, { limit: 0 }), /limit must be a positive integer, got 0/);
});

test('benzene turned 60° about its axis: symmetric RMSD 0, plain RMSD the C–C distance 1.39 Å', () => {
  const mol = benzene();
  const turned = Float64Array.from(hexagon(1.39, Math.PI / 3));
  // Each atom moves along a chord 2r·sin(30°) = r.
  assert.ok(Math.abs(rmsdInPlace(mol.coords, turned) - 1.39) < 1e-12);
  assert.ok(symmetricRmsd(mol, mol.coords, turned) < 1e-12);
  // The other Kekulé structure has the same symmetry: bond orders are not matched.
  assert.ok(symmetricRmsd(benzene(true), mol.coords, turned) < 1e-12);
});

test('a carboxylate with its two O swapped: symmetric RMSD 0, plain RMSD d/√2 for O–O distance d', () => {
  const mol = acetate();
  const swapped = mol.coords.slice();
  swapped.set(mol.coords.subarray(9, 12), 6);
  swapped.set(mol.coords.subarray(6, 9), 9);
  assert.ok(Math.abs(rmsdInPlace(mol.coords, swapped) - 2.2 / Math.SQRT2) < 1e-12);
  assert.ok(symmetricRmsd(mol, mol.coords, swapped) < 1e-12);
});

test('no symmetry: symmetric RMSD is the plain one, hand-computed', () => {
  const mol = molecule(['C', 'N', 'O'], [[0, 1, 1], [1, 2, 1]], [0, 0, 0, 1.4, 0, 0, 2.8, 0, 0]);
  const moved = mol.coords.map((x, i) => x + [1, 2, 2][i % 3]!);
  assert.ok(Math.abs(symmetricRmsd(mol, mol.coords, moved) - 3) < 1e-12);
  const oneAtom = mol.coords.slice();
  oneAtom[8] = 3; // O moves 3 Å: sqrt(9 / 3)
  assert.ok(Math.abs(symmetricRmsd(mol, mol.coords, oneAtom) - Math.sqrt(3)) < 1e-12);
  assert.ok(Math.abs(rmsdInPlace(mol.coords, oneAtom, [2]) - 3) < 1e-12);
  assert.throws(() => symmetricRmsd(mol, mol.coords, new Float64Array(6)), /symmetricRmsd: coordinates of 3 and 2 atoms for a molecule of 3 atoms/);
  assert.throws(() => rmsdInPlace(mol.coords, new Float64Array(6)), /rmsdInPlace: coordinate arrays of lengths 9 and 6/);
  assert.throws(() => rmsdInPlace(mol.coords, oneAtom, [3]), /rmsdInPlace: atom 3 outside the 3 atoms/);
});

test('symmetricRmsdMany is symmetricRmsd for every pose and reference', () => {
  const mol = benzene();
  const poses = [0, 0.3, Math.PI / 3].map((t) => Float64Array.from(hexagon(1.39, t)));
  const refs = [0.1, 1].map((t) => Float64Array.from(hexagon(1.39, t)));
  const many = symmetricRmsdMany(mol, poses, refs);
  assert.equal(many.length, 3);
  many.forEach((row, i) => row.forEach((x, j) => assert.equal(x, symmetricRmsd(mol, poses[i]!, refs[j]!))));
  assert.ok(Math.abs(many[2]![0]! - many[0]![0]!) < 1e-12, 'a 60° turn costs nothing');
});

/** A data-set ligand file read as a molecule and its modes' coordinates (and crystal pose). */
function ligand(file: string): { mol: Molecule; modes: Float64Array[]; crystal?: Float64Array } {
  const j = JSON.parse(readFileSync(file, 'utf8'));
  const flat = (ps: number[][]) => Float64Array.from(ps.flat());
  const modes = j.modes.map((m: { coords: number[][] }) => flat(m.coords));
  return { mol: molecule(j.elements, j.bonds, [...modes[0]], j.charges), modes, ...(j.crystal ? { crystal: flat(j.crystal.coords) } : {}) };
}

/** A V2000 Molfile record (with M  CHG lines) of `mol` at `coords`. */
function molfile(mol: Molecule, coords: Float64Array, title: string): string {
  const pad = (x: number | string, w: number) => String(x).padStart(w);
  const lines = [title, '  disco-diff', '', `${pad(mol.atoms.length, 3)}${pad(mol.bonds.length, 3)}  0  0  0  0  0  0  0  0999 V2000`];
  mol.atoms.forEach((a, i) => lines.push(`${[0, 1, 2].map((d) => pad(coords[3 * i + d]!.toFixed(4), 10)).join('')} ${a.element.padEnd(3)} 0  0  0  0  0  0  0  0  0  0  0  0`));
  for (const b of mol.bonds) lines.push(`${pad(b.a + 1, 3)}${pad(b.b + 1, 3)}${pad(b.order, 3)}  0`);
  mol.atoms.forEach((a, i) => { if (a.charge) lines.push(`M  CHG  1 ${pad(i + 1, 3)} ${pad(a.charge, 3)}`); });
  return [...lines, 'M  END', '$$$$', ''].join('\n');
}

const hasObrms = spawnSync('obrms', ['-h']).error === undefined;
// amprenavir against its crystal pose (phenyl flips); a sulfonylguanidine whose C(=[NH2+])N nitrogens swap (charges not matched).
const cases = ['data/docking/1HPV/crystal-478.json', 'data/docking/2C6E/cdk2-027.json'];

test('agrees with Open Babel obrms (no superposition) on Vina modes of the data set', { skip: !hasObrms ? 'obrms not on PATH' : !cases.every(existsSync) && 'data set files absent' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dd-obrms-'));
  for (const file of cases) {
    const { mol, modes, crystal } = ligand(file);
    const ref = crystal ?? modes[0]!;
    writeFileSync(join(dir, 'ref.sdf'), molfile(mol, ref, 'ref'));
    writeFileSync(join(dir, 'modes.sdf'), modes.map((m, k) => molfile(mol, m, `mode${k}`)).join(''));
    const run = spawnSync('obrms', ['-f', join(dir, 'ref.sdf'), join(dir, 'modes.sdf')], { encoding: 'utf8' });
    const theirs = run.stdout.trim().split('\n').map((line) => Number(line.split(' ').pop()));
    assert.equal(theirs.length, modes.length, run.stderr);
    const ours = symmetricRmsdMany(mol, modes, [ref]).map((row) => row[0]!);
    ours.forEach((x, k) => assert.ok(Math.abs(x - theirs[k]!) < 1e-3, `${file} mode ${k}: ${x} vs obrms ${theirs[k]}`));
    assert.ok(ours.some((x, k) => rmsdInPlace(ref, modes[k]!) - x > 0.1), `${file}: symmetry lowers some RMSD`);
  }
});

test('timing: automorphisms of the largest ligand in the data set', { skip: !existsSync('data/docking') && 'data set absent' }, (t) => {
  const files = readdirSync('data/docking', { withFileTypes: true }).filter((e) => e.isDirectory())
    .flatMap((e) => readdirSync(join('data/docking', e.name)).filter((f) => f.endsWith('.json')).map((f) => join('data/docking', e.name, f)));
  if (files.length === 0) return t.skip('no ligand files');
  const sized = files.map((f) => ({ f, n: (JSON.parse(readFileSync(f, 'utf8')).elements as string[]).length }));
  const largest = sized.reduce((best, x) => (x.n > best.n ? x : best)).f;
  const { mol } = ligand(largest);
  const t0 = performance.now();
  const sym = automorphisms(mol);
  const ms = performance.now() - t0;
  const warm = [...Array(11)].map(() => { const t1 = performance.now(); automorphisms(mol); return performance.now() - t1; }).sort((x, y) => x - y)[5]!;
  t.diagnostic(`${largest}: ${mol.atoms.length} heavy atoms, ${sym.perms.length} automorphisms in ${ms.toFixed(1)} ms (first call), median ${warm.toFixed(2)} ms (warm)`);
  assertAutomorphisms(mol, sym);
  assert.ok(ms < 2000, `${ms} ms`);
});
