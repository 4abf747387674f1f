import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atomCoord, neighbours, type Bond, type Molecule } from '../../src/chem/molecule.js';
import { dihedral, rotatableBonds, rotateTorsions, type RotatableBond } from '../../src/chem/torsions.js';

/** A molecule from element symbols, bonds [a, b, order] and flat coordinates. */
function molecule(elements: string, bonds: [number, number, Bond['order']][], coords: number[] = []): Molecule {
  const atoms = elements.split(' ').map((element) => ({ element, charge: 0 }));
  return {
    title: 'test',
    atoms,
    bonds: bonds.map(([a, b, order]) => ({ a, b, order })),
    coords: coords.length ? Float64Array.from(coords) : new Float64Array(3 * atoms.length),
    props: {},
  };
}

/** n-butane with explicit hydrogens (atoms 0–3 carbons, 4–6 on C0, 7–8 on C1, 9–10 on C2, 11–13 on C3). */
const butane = molecule('C C C C H H H H H H H H H H', [
  [0, 1, 1], [1, 2, 1], [2, 3, 1],
  [0, 4, 1], [0, 5, 1], [0, 6, 1], [1, 7, 1], [1, 8, 1], [2, 9, 1], [2, 10, 1], [3, 11, 1], [3, 12, 1], [3, 13, 1],
], [
  -1.9, -0.5, 0, -0.6, 0.3, 0, 0.6, -0.3, 0.1, 1.9, 0.5, 0,
  -1.9, -1.1, 0.9, -1.9, -1.1, -0.9, -2.8, 0.1, 0, -0.6, 0.9, 0.9, -0.6, 0.9, -0.9,
  0.6, -0.9, 0.9, 0.6, -0.9, -0.9, 1.9, 1.1, 0.9, 1.9, 1.1, -0.9, 2.8, -0.1, 0,
]);

/** n-hexane, heavy atoms only, a zigzag with some twist. */
const hexane = molecule('C C C C C C', [[0, 1, 1], [1, 2, 1], [2, 3, 1], [3, 4, 1], [4, 5, 1]], [
  0, 0, 0, 1.3, 0.8, 0.1, 2.6, 0, -0.2, 3.9, 0.8, 0.3, 5.2, 0, 0.1, 6.4, 0.9, -0.5,
]);

/** Ethylcyclohexane (ring atoms 0–5 with single bonds, ethyl 6–7 on atom 0) and one hydrogen on atom 7. */
const ethylcyclohexane = molecule('C C C C C C C C H', [
  [0, 1, 1], [1, 2, 1], [2, 3, 1], [3, 4, 1], [4, 5, 1], [5, 0, 1], [0, 6, 1], [6, 7, 1], [7, 8, 1],
], [
  1.4, 0, 0, 0.7, 1.2, 0.3, -0.7, 1.2, -0.3, -1.4, 0, 0.3, -0.7, -1.2, -0.3, 0.7, -1.2, 0.3,
  2.9, 0.1, -0.2, 3.6, 1.3, 0.3, 4.6, 1.2, 0.1,
]);

function toPlain(bonds: RotatableBond[]): { u: number; v: number; moving: number[] }[] {
  return bonds.map(({ u, v, moving }) => ({ u, v, moving: [...moving] }));
}

function distance(x: Float64Array, i: number, j: number): number {
  const [p, q] = [atomCoord(x, i), atomCoord(x, j)];
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

function angle(x: Float64Array, i: number, j: number, k: number): number {
  const [p, q, r] = [atomCoord(x, i), atomCoord(x, j), atomCoord(x, k)];
  const a = [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
  const b = [r[0] - q[0], r[1] - q[1], r[2] - q[2]];
  return Math.acos((a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!) / (Math.hypot(...a) * Math.hypot(...b)));
}

/** The difference of two angles wrapped into (−π, π]. */
function wrap(a: number): number {
  return a - 2 * Math.PI * Math.ceil((a - Math.PI) / (2 * Math.PI));
}

test('dihedral follows IUPAC: +90° when the front bond turns clockwise (seen along b → c) onto the back one', () => {
  const x = (d: number[]): Float64Array => Float64Array.of(1, 0, 0, 0, 0, 0, 0, 0, 1, ...d);
  assert.ok(Math.abs(dihedral(x([0, 1, 1]), 0, 1, 2, 3) - Math.PI / 2) < 1e-15);
  assert.ok(Math.abs(dihedral(x([0, -1, 1]), 0, 1, 2, 3) + Math.PI / 2) < 1e-15);
  assert.ok(Math.abs(dihedral(x([1, 0, 1]), 0, 1, 2, 3)) < 1e-15);
  assert.ok(Math.abs(dihedral(x([-1, 0, 1]), 0, 1, 2, 3) - Math.PI) < 1e-15);
  assert.ok(Math.abs(dihedral(x([1, 1, 5]), 0, 1, 2, 3) - Math.PI / 4) < 1e-15, 'independent of where d sits along the axis');
  assert.ok(Math.abs(dihedral(x([0, 1, 1]), 3, 2, 1, 0) - Math.PI / 2) < 1e-15, 'reads the same from either end');
});

test('rotateTorsions turns counterclockwise seen from v towards u (right-hand rule about u → v)', () => {
  const x = Float64Array.of(1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1);
  const bond: RotatableBond = { u: 1, v: 2, moving: Int32Array.of(2, 3) };
  const y = rotateTorsions(x, [bond], [Math.PI / 2]);
  const expected = [1, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 1];
  for (let i = 0; i < 12; i++) assert.ok(Math.abs(y[i]! - expected[i]!) < 1e-15, `coordinate ${i}: ${y[i]}`);
  assert.ok(Math.abs(dihedral(y, 0, 1, 2, 3) - Math.PI) < 1e-15, 'dihedral +90° → 180°');
  // the same delta on the other side (axis 2 → 1, atoms 0 and 1 move) changes the dihedral the same way
  const z = rotateTorsions(x, [{ u: 2, v: 1, moving: Int32Array.of(0, 1) }], [Math.PI / 2]);
  assert.ok(Math.abs(dihedral(z, 0, 1, 2, 3) - Math.PI) < 1e-15);
  assert.deepEqual([...x], [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1], 'the input is left untouched');
});

test('butane: only the central C–C rotates, with C2, C3 and their hydrogens (a 7/7 tie keeps a → u, b → v)', () => {
  assert.deepEqual(toPlain(rotatableBonds(butane)), [{ u: 1, v: 2, moving: [2, 3, 9, 10, 11, 12, 13] }]);
  const heavyOnly = molecule('C C C C', [[0, 1, 1], [1, 2, 1], [2, 3, 1]]);
  assert.deepEqual(toPlain(rotatableBonds(heavyOnly)), [{ u: 1, v: 2, moving: [2, 3] }]);
});

test('the smaller side moves: u and v are swapped when the bond points at the larger side', () => {
  assert.deepEqual(toPlain(rotatableBonds(hexane)), [
    { u: 2, v: 1, moving: [0, 1] },
    { u: 2, v: 3, moving: [3, 4, 5] },
    { u: 3, v: 4, moving: [4, 5] },
  ]);
});

test('a ring with one exocyclic bond: ring bonds and the terminal C–C do not rotate', () => {
  assert.deepEqual(toPlain(rotatableBonds(ethylcyclohexane)), [{ u: 0, v: 6, moving: [6, 7, 8] }]);
});

test('molecules with no rotatable bond: ethanol with H, but-2-ene, toluene', () => {
  const ethanol = molecule('C C O H H H H H H', [[0, 1, 1], [1, 2, 1], [0, 3, 1], [0, 4, 1], [0, 5, 1], [1, 6, 1], [1, 7, 1], [2, 8, 1]]);
  const butene = molecule('C C C C', [[0, 1, 1], [1, 2, 2], [2, 3, 1]]);
  const toluene = molecule('C C C C C C C', [[0, 1, 4], [1, 2, 4], [2, 3, 4], [3, 4, 4], [4, 5, 4], [5, 0, 4], [0, 6, 1]]);
  for (const mol of [ethanol, butene, toluene]) assert.deepEqual(rotatableBonds(mol), []);
});

test('as in DiffDock, an amide C–N and a single bond next to a triple bond rotate', () => {
  const methylacetamide = molecule('C C O N C', [[0, 1, 1], [1, 2, 2], [1, 3, 1], [3, 4, 1]]);
  assert.deepEqual(toPlain(rotatableBonds(methylacetamide)), [{ u: 1, v: 3, moving: [3, 4] }]);
  const pentyne = molecule('C C C C C', [[0, 1, 1], [1, 2, 3], [2, 3, 1], [3, 4, 1]]);
  assert.deepEqual(toPlain(rotatableBonds(pentyne)), [{ u: 2, v: 3, moving: [3, 4] }]);
});

for (const [name, mol] of [['butane', butane], ['hexane', hexane], ['ethylcyclohexane', ethylcyclohexane]] as const) {
  test(`${name}: rotateTorsions keeps bond lengths and angles and moves each dihedral by exactly its delta`, () => {
    const bonds = rotatableBonds(mol);
    const adj = neighbours(mol);
    for (const deltas of [bonds.map((_, i) => 0.7 + i), bonds.map((_, i) => -2.5 + 0.3 * i), bonds.map(() => 7)]) {
      const y = rotateTorsions(mol.coords, bonds, deltas);
      for (const { a, b } of mol.bonds) assert.ok(Math.abs(distance(y, a, b) - distance(mol.coords, a, b)) < 1e-12, `bond ${a}-${b}`);
      adj.forEach((nbr, j) => {
        for (const i of nbr) for (const k of nbr) {
          if (i < k) assert.ok(Math.abs(angle(y, i, j, k) - angle(mol.coords, i, j, k)) < 1e-12, `angle ${i}-${j}-${k}`);
        }
      });
      bonds.forEach(({ u, v }, b) => {
        for (const a of adj[u]!.filter((i) => i !== v)) for (const d of adj[v]!.filter((i) => i !== u)) {
          const change = wrap(dihedral(y, a, u, v, d) - dihedral(mol.coords, a, u, v, d));
          assert.ok(Math.abs(wrap(change - deltas[b]!)) < 1e-12, `dihedral ${a}-${u}-${v}-${d} changed by ${change}, not ${deltas[b]}`);
        }
      });
    }
  });

  test(`${name}: rotating by deltas, then by −deltas in reverse order, restores the coordinates`, () => {
    const bonds = rotatableBonds(mol);
    const deltas = bonds.map((_, i) => 1.1 - 0.9 * i);
    const y = rotateTorsions(mol.coords, bonds, deltas);
    const back = rotateTorsions(y, [...bonds].reverse(), deltas.map((d) => -d).reverse());
    for (let i = 0; i < back.length; i++) assert.ok(Math.abs(back[i]! - mol.coords[i]!) < 1e-12);
  });
}

test('rotateTorsions names bad input', () => {
  const bonds = rotatableBonds(hexane);
  assert.throws(() => rotateTorsions(hexane.coords, bonds, [1]), /3 bonds but 1 torsion deltas/);
  assert.throws(() => rotateTorsions(new Float64Array(18), bonds, [1, 2, 3]), /atoms 2 and 1 of a rotatable bond coincide/);
});
