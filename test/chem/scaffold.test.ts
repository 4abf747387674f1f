// Bemis–Murcko scaffolds and their canonical keys: side chains go, rings and linkers stay; the key
// ignores atom order and Kekulé structure and tells apart the scaffolds it should.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Molecule } from '../../src/chem/molecule.js';
import { murckoScaffold, scaffoldKey } from '../../src/chem/scaffold.js';
import { bondKey, ringBondSet } from '../../src/chem/rings.js';
import { benzene, molecule, permuteAtoms, ringBonds } from '../docking/fixtures/molecules.js';

const K = [2, 1, 2, 1, 2, 1] as const;
const C = (n: number) => Array<string>(n).fill('C');

const mols = {
  benzene: benzene(),
  benzeneOtherKekule: benzene(true),
  benzeneAromatic: molecule(C(6), ringBonds(0, [4, 4, 4, 4, 4, 4])),
  pyridine: molecule(['N', ...C(5)], ringBonds(0, [...K])),
  // Toluene, ethylbenzene and phenol (with explicit H on O): benzene plus a side chain.
  toluene: molecule(C(7), [...ringBonds(0, [...K]), [0, 6, 1]]),
  ethylbenzene: molecule(C(8), [...ringBonds(0, [1, 2, 1, 2, 1, 2]), [3, 6, 1], [6, 7, 1]]),
  phenol: molecule([...C(6), 'O', 'H'], [...ringBonds(0, [...K]), [0, 6, 1], [6, 7, 1]]),
  // Naphthalene: atoms 0–5 one ring, 4-5-6-7-8-9 the other; Kekulé structures with a double and a single fusion bond 4–5.
  naphthalene: molecule(C(10), [...ringBonds(0, [2, 1, 2, 1, 2, 1]), [5, 6, 1], [6, 7, 2], [7, 8, 1], [8, 9, 2], [9, 4, 1]]),
  naphthaleneOther: molecule(C(10), [...ringBonds(0, [2, 1, 2, 1, 1, 1]), [5, 6, 2], [6, 7, 1], [7, 8, 2], [8, 9, 1], [9, 4, 2]]),
  biphenyl: molecule(C(12), [...ringBonds(0, [...K]), ...ringBonds(6, [...K]), [0, 6, 1]]),
  diphenylmethane: molecule(C(13), [...ringBonds(0, [...K]), ...ringBonds(6, [...K]), [0, 12, 1], [12, 6, 1]]),
  benzophenone: molecule([...C(13), 'O'], [...ringBonds(0, [...K]), ...ringBonds(6, [...K]), [0, 12, 1], [12, 6, 1], [12, 13, 2]]),
  cyclohexane: molecule(C(6), ringBonds(0, [1, 1, 1, 1, 1, 1])),
  cyclohexanone: molecule([...C(6), 'O'], [...ringBonds(0, [1, 1, 1, 1, 1, 1]), [0, 6, 2]]),
  // Decalin and bicyclopentyl: the same degrees everywhere; colour refinement alone cannot tell them apart.
  decalin: molecule(C(10), [...ringBonds(0, [1, 1, 1, 1, 1, 1]), [5, 6, 1], [6, 7, 1], [7, 8, 1], [8, 9, 1], [9, 4, 1]]),
  bicyclopentyl: molecule(C(10), [...ringBonds(0, [1, 1, 1, 1, 1]), ...ringBonds(5, [1, 1, 1, 1, 1]), [0, 5, 1]]),
  hexane: molecule(C(6), [[0, 1, 1], [1, 2, 1], [2, 3, 1], [3, 4, 1], [4, 5, 1]]),
} satisfies Record<string, Molecule>;

test('Murcko scaffold: side chains removed, linkers and exocyclic double bonds kept, acyclic is empty', () => {
  assert.deepEqual(murckoScaffold(mols.toluene).atoms, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(murckoScaffold(mols.ethylbenzene).atoms, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(murckoScaffold(mols.phenol).atoms, [0, 1, 2, 3, 4, 5]);
  assert.equal(murckoScaffold(mols.toluene).bonds.length, 6);
  assert.deepEqual(murckoScaffold(mols.diphenylmethane).atoms, [...Array(13).keys()]);
  assert.equal(murckoScaffold(mols.diphenylmethane).bonds.length, 14);
  assert.deepEqual(murckoScaffold(mols.benzophenone).atoms, [...Array(14).keys()]);
  assert.deepEqual(murckoScaffold(mols.cyclohexanone).atoms, [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(murckoScaffold(mols.hexane), { atoms: [], bonds: [] });
  assert.equal(scaffoldKey(mols.hexane), '');
});

test('ring bonds: all ring bonds of naphthalene, not the bond between the rings of biphenyl', () => {
  const ringBondFlags = (m: typeof mols.biphenyl) => { const r = ringBondSet(m); return m.bonds.map((b) => r.has(bondKey(b.a, b.b))); };
  assert.ok(ringBondFlags(mols.naphthalene).every(Boolean));
  const flags = ringBondFlags(mols.biphenyl);
  assert.deepEqual(flags.map((f, k) => (f ? -1 : k)).filter((k) => k >= 0), [12]);
});

test('scaffold key: a ring with side chains has the ring\'s key; Kekulé structures and aromatic bonds agree', () => {
  const benzeneKey = scaffoldKey(mols.benzene);
  for (const m of [mols.benzeneOtherKekule, mols.benzeneAromatic, mols.toluene, mols.ethylbenzene, mols.phenol]) assert.equal(scaffoldKey(m), benzeneKey);
  assert.equal(scaffoldKey(mols.naphthaleneOther), scaffoldKey(mols.naphthalene));
  assert.equal(scaffoldKey(mols.cyclohexane), scaffoldKey(molecule([...C(6), 'N'], [...ringBonds(0, [1, 1, 1, 1, 1, 1]), [2, 6, 1]])));
});

test('scaffold key: the same whatever the atom order', () => {
  let seed = 7;
  /** A Fisher–Yates shuffle of 0…n−1 driven by a small LCG, so the test is reproducible. */
  const shuffle = (n: number) => {
    const p = [...Array(n).keys()];
    for (let i = n - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const j = seed % (i + 1);
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    return p;
  };
  for (const [name, m] of Object.entries(mols)) {
    for (let r = 0; r < 5; r++) assert.equal(scaffoldKey(permuteAtoms(m, shuffle(m.atoms.length))), scaffoldKey(m), name);
  }
});

test('scaffold key: different scaffolds get different keys', () => {
  const distinct = [mols.benzene, mols.pyridine, mols.naphthalene, mols.biphenyl, mols.diphenylmethane, mols.benzophenone,
    mols.cyclohexane, mols.cyclohexanone, mols.decalin, mols.bicyclopentyl];
  const keys = distinct.map(scaffoldKey);
  assert.equal(new Set(keys).size, distinct.length);
  for (const k of keys) assert.match(k, /^[0-9a-f]{16}$/);
});
