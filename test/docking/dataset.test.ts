// The docking pose data set: loading (order, skipped folders, one-line errors naming a bad file),
// the scaffold split (whole scaffolds on one side, crystal ligands in test, stable as the set
// grows) and the CI subset; on the fixtures, and on data/docking where it is present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmsdInPlace, symmetricRmsd } from '../../src/chem/rmsd.js';
import { scaffoldKey } from '../../src/chem/scaffold.js';
import { ciSlice, loadPoseSet, splitByScaffold, type PoseRecord } from '../../src/docking/dataset.js';
import { benzene, molecule, ringBonds } from './fixtures/molecules.js';

const FIXTURES = 'test/docking/fixtures/poses';
const ids = (rs: PoseRecord[]) => rs.map((r) => `${r.receptor}/${r.id}`);

test('loads every ligand file sorted by receptor then id, skipping failed/ and folders without ligands', () => {
  const set = loadPoseSet(FIXTURES);
  assert.deepEqual(ids(set), ['RA/crystal-X', 'RA/lig-a', 'RA/lig-b', 'RB/lig-c']);
  const [x, a] = set as [PoseRecord, PoseRecord];
  assert.equal(a.source, 'pool');
  assert.equal(a.smiles, 'Cc1ccccc1');
  assert.deepEqual(a.mol.atoms.map((t) => t.element), Array(7).fill('C'));
  assert.deepEqual(a.mol.bonds[0], { a: 0, b: 1, order: 2 });
  assert.deepEqual([...a.mol.coords], [...a.modes[0]!.coords]);
  assert.deepEqual(a.modes.map((m) => [m.weight, m.affinity]), [[0.7, -5.5], [0.3, -5.0]]);
  assert.equal(a.crystal, undefined);
  assert.equal(x.source, 'crystal');
  // The fixture's second mode is the crystal pose moved by (1, 2, 2): RMSD 3.
  assert.ok(Math.abs(rmsdInPlace(x.crystal!, x.modes[1]!.coords) - 3) < 1e-12);
  assert.deepEqual(ids(loadPoseSet(FIXTURES, { receptors: ['RB'] })), ['RB/lig-c']);
  assert.throws(() => loadPoseSet(FIXTURES, { receptors: ['RX'] }), /receptor RX has no folder test\/docking\/fixtures\/poses\/RX/);
  assert.throws(() => loadPoseSet('test/docking/fixtures/none'), /pose data set folder not found: test\/docking\/fixtures\/none/);
});

test('a malformed ligand file is refused with one line naming the file and the problem', () => {
  const good = JSON.parse(readFileSync(join(FIXTURES, 'RA/crystal-X.json'), 'utf8'));
  const cases: [string, (j: any) => unknown, RegExp][] = [
    ['not JSON', () => '{"id": ', /Unexpected end of JSON input|JSON/],
    ['source', (j) => ({ ...j, source: 'docked' }), /"source" is "docked", not "pool" or "crystal"/],
    ['bond out of range', (j) => ({ ...j, bonds: [[0, 7, 1]] }), /bond 0 \[0,7,1\] is not \[a, b, order\] with atoms in 0\.\.6 and order 1-4/],
    ['mode size', (j) => ({ ...j, modes: [{ ...j.modes[0], coords: j.modes[0].coords.slice(1) }] }), /mode 0: 6 points for 7 atoms/],
    ['no crystal pose', (j) => ({ ...j, crystal: undefined }), /crystal ligand's "crystal.coords": no "crystal" object/],
    ['wrong receptor', (j) => ({ ...j, receptor: 'RB' }), /receptor "RB" but the file is in folder RA/],
  ];
  for (const [what, edit, message] of cases) {
    const dir = mkdtempSync(join(tmpdir(), 'dd-poses-'));
    cpSync(FIXTURES, dir, { recursive: true });
    const file = join(dir, 'RA', 'crystal-X.json');
    const text = edit(good);
    writeFileSync(file, typeof text === 'string' ? text : JSON.stringify(text));
    assert.throws(() => loadPoseSet(dir), (e: Error) => {
      assert.ok(e.message.startsWith(`${file}: `), `${what}: ${e.message}`);
      assert.match(e.message, message, what);
      assert.ok(!e.message.includes('\n'), `${what}: one line`);
      return true;
    });
  }
});

/** A pool (or crystal) record of molecule `mol` for the split tests. */
function record(id: string, receptor: string, mol: PoseRecord['mol'], source: PoseRecord['source'] = 'pool'): PoseRecord {
  return { id, receptor, source, name: id, smiles: '', mol, modes: [{ coords: mol.coords, weight: 1, affinity: -5 }], ...(source === 'crystal' ? { crystal: mol.coords } : {}) };
}

const K = [2, 1, 2, 1, 2, 1] as const;
const C = (n: number) => Array<string>(n).fill('C');
/** 24 ligands over 8 scaffolds (3 each: bare ring and two side chains), one crystal pyridine. */
const ligands: PoseRecord[] = [
  ['benz', benzene()],
  ['pyr', molecule(['N', ...C(5)], ringBonds(0, [...K]))],
  ['chx', molecule(C(6), ringBonds(0, [1, 1, 1, 1, 1, 1]))],
  ['cpt', molecule(C(5), ringBonds(0, [1, 1, 1, 1, 1]))],
  ['thp', molecule(['O', ...C(5)], ringBonds(0, [1, 1, 1, 1, 1, 1]))],
  ['pip', molecule(['N', ...C(5)], ringBonds(0, [1, 1, 1, 1, 1, 1]))],
  ['cbu', molecule(C(4), ringBonds(0, [1, 1, 1, 1]))],
  ['chp', molecule(C(7), ringBonds(0, [1, 1, 1, 1, 1, 1, 1]))],
].flatMap(([name, ring], g) => {
  const m = ring as PoseRecord['mol'];
  const n = m.atoms.length;
  const withChain = (k: number) => molecule([...m.atoms.map((a) => a.element), ...C(k)],
    [...m.bonds.map((b) => [b.a, b.b, b.order] as [number, number, 1 | 2 | 3 | 4]), ...[...Array(k).keys()].map((i) => [i === 0 ? 2 : n + i - 1, n + i, 1] as [number, number, 1])]);
  return [0, 1, 2].map((k) => record(`${name}-${k}`, g % 2 ? 'RB' : 'RA', withChain(k), name === 'pyr' && k === 2 ? 'crystal' : 'pool'));
});

test('the scaffold split keeps whole scaffolds on one side, crystal scaffolds in test, and is stable as the set grows', () => {
  const keyOf = new Map(ligands.map((r) => [r, scaffoldKey(r.mol)]));
  assert.equal(new Set(keyOf.values()).size, 8);
  for (const seed of [0, 1, 2, 3]) {
    const { train, test: held } = splitByScaffold(ligands, { testFraction: 0.4, seed });
    assert.equal(train.length + held.length, ligands.length);
    const trainKeys = new Set(train.map((r) => keyOf.get(r)));
    assert.ok(held.every((r) => !trainKeys.has(keyOf.get(r))), 'no scaffold on both sides');
    assert.deepEqual(ids(held.filter((r) => r.id.startsWith('pyr'))), ['RB/pyr-0', 'RB/pyr-1', 'RB/pyr-2'], 'the crystal pyridine pulls its scaffold into test');
    // Adding ligands never moves one already there: the split of a part is the part of the split.
    const part = splitByScaffold(ligands.filter((_, i) => i % 3 !== 1), { testFraction: 0.4, seed });
    assert.deepEqual(ids(part.test), ids(held.filter((r) => !r.id.endsWith('-1'))));
    assert.deepEqual(splitByScaffold(ligands, { testFraction: 0.4, seed }), { train, test: held }, 'deterministic');
  }
  const seeds = [...Array(8).keys()].map((seed) => ids(splitByScaffold(ligands, { testFraction: 0.4, seed }).test).join());
  assert.ok(new Set(seeds).size > 1, 'the seed changes the split');
  assert.deepEqual(ids(splitByScaffold(ligands, { testFraction: 0, seed: 1 }).test), ['RB/pyr-0', 'RB/pyr-1', 'RB/pyr-2']);
  assert.equal(splitByScaffold(ligands, { testFraction: 1, seed: 1 }).train.length, 0);
  assert.throws(() => splitByScaffold(ligands, { testFraction: 1.5, seed: 1 }), /testFraction must be in \[0, 1\], got 1.5/);
  assert.throws(() => splitByScaffold(ligands, { testFraction: 0.2, seed: 0.5 }), /seed must be an integer, got 0.5/);
});

test('ciSlice: per receptor the first n ligands by id', () => {
  const shuffled = [...ligands].reverse();
  assert.deepEqual(ids(ciSlice(shuffled, 2)), ['RA/benz-0', 'RA/benz-1', 'RB/chp-0', 'RB/chp-1']);
  assert.deepEqual(ciSlice(shuffled, 0), []);
  assert.throws(() => ciSlice(ligands, -1), /n must be a non-negative integer, got -1/);
});

test('the committed data set: loads, crystal poses check out, and its scaffold split', { skip: !existsSync('data/docking/1HPV/crystal-478.json') && 'data set absent' }, (t) => {
  const set = loadPoseSet('data/docking');
  assert.deepEqual(ids(set), ids([...set].sort((x, y) => (x.receptor + '/' + x.id < y.receptor + '/' + y.id ? -1 : 1))));
  const amprenavir = set.find((r) => r.id === 'crystal-478')!;
  const file = JSON.parse(readFileSync('data/docking/1HPV/crystal-478.json', 'utf8'));
  // The generator's plain RMSD to the crystal pose, from unrounded coordinates: within rounding.
  const plain = rmsdInPlace(amprenavir.crystal!, amprenavir.modes[0]!.coords);
  assert.ok(Math.abs(plain - file.modes[0].rmsdToCrystal) < 2e-3, `${plain} vs ${file.modes[0].rmsdToCrystal}`);
  assert.ok(symmetricRmsd(amprenavir.mol, amprenavir.crystal!, amprenavir.modes[0]!.coords) <= plain);
  const { train, test: held } = splitByScaffold(set, { testFraction: 0.2, seed: 0 });
  const trainKeys = new Set(train.map((r) => scaffoldKey(r.mol)));
  assert.ok(held.every((r) => !trainKeys.has(scaffoldKey(r.mol))));
  assert.ok(set.filter((r) => r.source === 'crystal').every((r) => held.includes(r)));
  for (const rec of [...new Set(set.map((r) => r.receptor))]) {
    t.diagnostic(`${rec}: train ${train.filter((r) => r.receptor === rec).length}, test ${held.filter((r) => r.receptor === rec).length}`);
  }
  t.diagnostic(`${set.length} ligands, ${new Set(set.map((r) => scaffoldKey(r.mol))).size} scaffolds`);
});
