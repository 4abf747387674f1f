// Featurisation for the docking score network: a ligand's heavy-atom graph (features, pair
// attributes, torsions in node indices), a receptor's residue graph (k nearest within a cutoff)
// and a batch of posed complexes (shared residue copies, DiffDock's dynamic cross cutoff, errors,
// and every tensor freed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensors } from '../../src/engine/index.js';
import type { Bond, Molecule } from '../../src/chem/molecule.js';
import type { Receptor, Residue } from '../../src/chem/receptor.js';
import { DockingModelConfig } from '../../src/config/docking.js';
import {
  complexBatch, disposeGraph, LIGAND_FEATURES, ligandGraph, PAIR_FEATURES, receptorGraph, type LigandGraph, type PosedComplex,
} from '../../src/docking/featurize.js';
import { Rng } from '../../src/pose/random.js';

/**
 * 2-phenylethanol with some hydrogens written, and a chloride: ring C0 C1 C3 C4 C5 C6 (C4 para to
 * C0), H2 on C1, CH₂ C7 (H8) on C0, CH₂ C9, O10, H11 on O10, and Cl12⁻ apart. Heavy atoms 0 1 3 4 5 6
 * 7 9 10 12 are nodes 0…9. `ring` gives the ring bonds' orders in ring order from C0–C1.
 */
function phenylethanol(ring: Bond['order'][]): Molecule {
  const cycle = [0, 1, 3, 4, 5, 6];
  const elements = ['C', 'C', 'H', 'C', 'C', 'C', 'C', 'C', 'H', 'C', 'O', 'H', 'Cl'];
  const r = 1.39;
  const ringXyz = cycle.map((_, k) => [r * Math.cos((k * Math.PI) / 3), r * Math.sin((k * Math.PI) / 3), 0]);
  const xyz: number[][] = elements.map(() => [0, 0, 0]);
  cycle.forEach((a, k) => { xyz[a] = ringXyz[k]!; });
  Object.assign(xyz, { 2: [1.2, 2.1, 0], 7: [2.9, 0, 0], 8: [3.2, -0.6, 0.9], 9: [3.6, 1.3, 0.2], 10: [5, 1.2, 0.1], 11: [5.4, 2, 0.4], 12: [-4, 3, 1] });
  return {
    title: '2-phenylethanol',
    atoms: elements.map((element) => ({ element, charge: element === 'Cl' ? -1 : 0 })),
    bonds: [
      ...cycle.map((a, k) => ({ a, b: cycle[(k + 1) % 6]!, order: ring[k]! })),
      ...[[0, 7], [7, 9], [9, 10], [1, 2], [7, 8], [10, 11]].map(([a, b]) => ({ a: a!, b: b!, order: 1 as const })),
    ],
    coords: Float64Array.from(xyz.flat()),
    props: {},
  };
}

const aromatic = phenylethanol([4, 4, 4, 4, 4, 4]);
const kekule = phenylethanol([2, 1, 2, 1, 2, 1]);
const lig = ligandGraph(kekule);

/** The feature row of node i. */
const row = (g: LigandGraph, i: number): number[] => [...g.feat.subarray(i * LIGAND_FEATURES, (i + 1) * LIGAND_FEATURES)];
/** A one-hot of `width` at `at`. */
const hot = (width: number, at: number): number[] => Array.from({ length: width }, (_, i) => (i === at ? 1 : 0));

/** The attributes of the ordered pair (i, j). */
function pair(g: LigandGraph, i: number, j: number): number[] {
  const e = [...g.pairs.src].findIndex((s, k) => s === i && g.pairs.dst[k] === j);
  assert.ok(e >= 0, `no pair (${i}, ${j})`);
  return [...g.pairs.attr.subarray(e * PAIR_FEATURES, (e + 1) * PAIR_FEATURES)];
}

/** Pair attributes: bond none/1/2/3/aromatic, path length 1/2/3/≥4/none, ring bond. */
const attr = (bond: number, path: 1 | 2 | 3 | 4 | 'none', ring: 0 | 1): number[] =>
  [...hot(5, bond), ...hot(5, path === 'none' ? 4 : path - 1), ring];

test('feature widths: element (9 + other), charge (3), heavy degree (5), ring, unsaturated; pairs 5 + 5 + 1', () => {
  assert.equal(LIGAND_FEATURES, 20);
  assert.equal(PAIR_FEATURES, 11);
  assert.equal(lig.feat.length, 10 * LIGAND_FEATURES);
  assert.equal(lig.pairs.attr.length, lig.pairs.src.length * PAIR_FEATURES);
});

test('ligandGraph: heavy atoms only, with their element, charge, heavy degree, ring and unsaturation', () => {
  assert.deepEqual([...lig.heavy], [0, 1, 3, 4, 5, 6, 7, 9, 10, 12]);
  const features = (element: number, charge: -1 | 0 | 1, degree: number, ring: 0 | 1, unsaturated: 0 | 1): number[] =>
    [...hot(10, element), ...hot(3, charge + 1), ...hot(5, degree), ring, unsaturated];
  assert.deepEqual(row(lig, 0), features(0, 0, 3, 1, 1), 'C0: ring carbon with the side chain');
  assert.deepEqual(row(lig, 1), features(0, 0, 2, 1, 1), 'C1: its hydrogen is no heavy neighbour');
  assert.deepEqual(row(lig, 6), features(0, 0, 2, 0, 0), 'C7');
  assert.deepEqual(row(lig, 8), features(2, 0, 1, 0, 0), 'O10');
  assert.deepEqual(row(lig, 9), features(5, -1, 0, 0, 0), 'Cl12⁻');
});

test('ligandGraph pairs: every ordered heavy pair once, with bond type, path length and ring flag', () => {
  assert.equal(lig.pairs.src.length, 10 * 9);
  const seen = new Set([...lig.pairs.src].map((s, k) => `${s},${lig.pairs.dst[k]}`));
  assert.equal(seen.size, 90);
  for (let i = 0; i < 10; i++) assert.ok(!seen.has(`${i},${i}`), `self pair ${i}`);
  assert.deepEqual(pair(lig, 0, 1), attr(2, 1, 1), 'C0=C1, a ring bond');
  assert.deepEqual(pair(lig, 1, 2), attr(1, 1, 1), 'C1–C3, a ring bond');
  assert.deepEqual(pair(lig, 0, 6), attr(1, 1, 0), 'C0–C7');
  assert.deepEqual(pair(lig, 6, 8), attr(0, 2, 0), 'C7…O10');
  assert.deepEqual(pair(lig, 0, 3), attr(0, 3, 0), 'C0…C4 para');
  assert.deepEqual(pair(lig, 0, 8), attr(0, 3, 0), 'C0…O10');
  assert.deepEqual(pair(lig, 3, 8), attr(0, 4, 0), 'C4…O10, six bonds apart');
  assert.deepEqual(pair(lig, 4, 9), attr(0, 'none', 0), 'C5…Cl⁻, not connected');
  for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) if (i !== j) assert.deepEqual(pair(lig, i, j), pair(lig, j, i));
});

test('ligandGraph torsions: rotatable bonds in heavy-node indices, with the heavy nodes each moves', () => {
  assert.deepEqual(lig.bonds.map(({ u, v, moving }) => [u, v, [...moving]]), [[0, 7, [7, 8, 9, 10, 11]], [7, 9, [9, 10, 11]]]);
  assert.deepEqual(lig.torsions.map(({ u, v, moving }) => [u, v, [...moving]]), [[0, 6, [6, 7, 8]], [6, 7, [7, 8]]]);
});

test('an aromatic (order 4) input gives the graph of its Kekulé form', () => {
  const g = ligandGraph(aromatic);
  assert.ok(g.mol.bonds.every((b) => b.order !== 4));
  assert.deepEqual(g.mol.bonds, kekule.bonds);
  assert.deepEqual([...g.heavy], [...lig.heavy]);
  assert.deepEqual([...g.feat], [...lig.feat]);
  assert.deepEqual([...g.pairs.src], [...lig.pairs.src]);
  assert.deepEqual([...g.pairs.dst], [...lig.pairs.dst]);
  assert.deepEqual([...g.pairs.attr], [...lig.pairs.attr]);
  assert.deepEqual(g.torsions.map((t) => [t.u, t.v, [...t.moving]]), lig.torsions.map((t) => [t.u, t.v, [...t.moving]]));
});

test('ligandGraph refuses a ligand without heavy atoms', () => {
  const h2: Molecule = { title: 'H2', atoms: [{ element: 'H', charge: 0 }, { element: 'H', charge: 0 }], bonds: [{ a: 0, b: 1, order: 1 }],
    coords: new Float64Array(6), props: {} };
  assert.throws(() => ligandGraph(h2), /^Error: ligand H2 has no heavy atoms$/);
});

/** A residue with a Cα at `ca`, or only a backbone N when `ca` is null. */
function residue(name: string, seq: number, ca: [number, number, number] | null): Residue {
  return { name, chain: 'A', seq, icode: '', atoms: ca ? [{ name: 'N', element: 'N', coord: [ca[0], ca[1] + 1, ca[2]] }, { name: 'CA', element: 'C', coord: ca }]
    : [{ name: 'N', element: 'N', coord: [1, 1, 1] }] };
}

test('receptorGraph: Cα nodes, residue types, each residue linked both ways to its k nearest within the cutoff', () => {
  const rec: Receptor = { title: 'line', residues: [
    residue('ALA', 1, [0, 0, 0]), residue('HIE', 2, [3.8, 0, 0]), residue('LYS', 3, null), residue('GLY', 4, [7.5, 0, 0]),
    residue('XYZ', 5, [11.5, 0, 0]), residue('SER', 6, [0, 4, 0]), residue('TRP', 7, [30, 0, 0]),
  ] };
  const g = receptorGraph(rec, 8, 2);
  assert.deepEqual([...g.ca], [0, 0, 0, 3.8, 0, 0, 7.5, 0, 0, 11.5, 0, 0, 0, 4, 0, 30, 0, 0].map(Math.fround));
  assert.deepEqual([...g.type], [0, 8, 7, 20, 15, 17], 'ALA, HIE read as HIS, GLY, UNK, SER, TRP; LYS has no Cα');
  // nearest two within 8 Å: 0 → 1, 4; 1 → 2, 0; 2 → 1, 3; 3 → 2, 1; 4 → 0, 1; 5 → none
  const undirected = [[0, 1], [0, 4], [1, 2], [1, 3], [1, 4], [2, 3]];
  const expected = undirected.flatMap(([a, b]) => [`${a},${b}`, `${b},${a}`]).sort();
  assert.deepEqual([...g.edges.src].map((s, e) => `${s},${g.edges.dst[e]}`).sort(), expected);
  const mean = [(3.8 + 7.5 + 11.5 + 30) / 6, 4 / 6, 0];
  for (let k = 0; k < 3; k++) assert.ok(Math.abs(g.center[k]! - mean[k]!) < 1e-6, `center[${k}] ${g.center[k]} is not the mean Cα`);
  assert.throws(() => receptorGraph({ title: 'bare', residues: [residue('LYS', 1, null)] }, 8, 2),
    /^Error: receptor bare has no residue with a Cα atom$/);
});

/** 40 residues scattered in a 24 Å box about the origin, where the ligand sits. */
function scatteredReceptor(): Receptor {
  const rng = new Rng(4);
  return { title: 'box', residues: Array.from({ length: 40 }, (_, i) =>
    residue('ALA', i + 1, [24 * rng.uniform() - 12, 24 * rng.uniform() - 12, 24 * rng.uniform() - 12])) };
}

const model = DockingModelConfig.parse({ crossCutoff: 4, crossNeighbours: 3 });
const rec = receptorGraph(scatteredReceptor(), model.recCutoff, model.recNeighbours);
const nR = rec.type.length;
const nL = lig.heavy.length;
/** The ligand shifted by (dx, 0, 0). */
const shifted = (dx: number): Float64Array => lig.mol.coords.map((v, i) => (i % 3 === 0 ? v + dx : v));

test('complexBatch: poses of one receptor share one copy of its residues at any times, two receptors give two copies', () => {
  const poses = [shifted(0), shifted(1.5)];
  const other = { ...rec };   // another receptor that happens to have the same residues
  const same = complexBatch(poses.map((coords, i) => ({ lig, rec, coords, t: 0.4 + 0.2 * i, trSigma: 1 })), model);
  const two = complexBatch(poses.map((coords, i) => ({ lig, rec: i === 0 ? rec : other, coords, t: 0.4 + 0.2 * i, trSigma: 1 })), model);
  try {
    assert.equal(same.recX.size(0), nR);
    assert.deepEqual(same.recBatch.toFlatArray(), new Array(nR).fill(0));
    assert.equal(same.recEdges!.src.numel, rec.edges.src.length);
    assert.ok(same.crossEdges.rec.toFlatArray().every((r) => r < nR));
    assert.equal(two.recX.size(0), 2 * nR);
    assert.deepEqual(two.recX.toFlatArray(), [...rec.ca, ...rec.ca]);
    assert.deepEqual(two.recBatch.toFlatArray(), [...new Array(nR).fill(0), ...new Array(nR).fill(1)]);
    assert.equal(two.recEdges!.src.numel, 2 * rec.edges.src.length);
    const lig2 = two.crossEdges.lig.toFlatArray();
    two.crossEdges.rec.toFlatArray().forEach((r, e) => assert.equal(r >= nR, lig2[e]! >= nL, 'the second pose links to the second copy'));
    // the ligand side is per pose either way: atoms, batch, centres, pairs and torsions offset by nL
    for (const g of [same, two]) {
      assert.equal(g.nComplexes, 2);
      assert.equal(g.ligX.size(0), 2 * nL);
      assert.deepEqual(g.ligBatch.toFlatArray(), [...new Array(nL).fill(0), ...new Array(nL).fill(1)]);
      assert.equal(g.ligEdges.src.numel, 2 * 90);
      assert.equal(g.ligEdges.src.toFlatArray()[90], lig.pairs.src[0]! + nL);
      assert.deepEqual(g.torsion.u.toFlatArray(), [0, 6, nL, nL + 6]);
      assert.deepEqual(g.moving.atom.toFlatArray(), [6, 7, 8, 7, 8, 6 + nL, 7 + nL, 8 + nL, 7 + nL, 8 + nL]);
      assert.deepEqual(g.moving.torsion.toFlatArray(), [0, 0, 0, 1, 1, 2, 2, 2, 3, 3]);
      const c = g.center.toFlatArray();
      const heavyMeanX = [...lig.heavy].reduce((s, a) => s + lig.mol.coords[3 * a]!, 0) / nL;
      assert.ok(Math.abs(c[0]! - heavyMeanX) < 1e-5 && Math.abs(c[3]! - heavyMeanX - 1.5) < 1e-5, `centres ${c}`);
    }
    assert.deepEqual(two.t.toFlatArray().map((v) => Math.round(v * 10) / 10), [0.4, 0.6]);
  } finally {
    disposeGraph(same);
    disposeGraph(two);
  }
});

test('complexBatch cross edges: the ≤ crossNeighbours nearest residues within crossCutoff + 3σ_tr of each ligand atom, in a fixed order', () => {
  let before = 0;
  for (const trSigma of [0, 0.2, 1, 3]) {
    const coords = shifted(0);
    const g = complexBatch([{ lig, rec, coords, t: 0.5, trSigma }], model);
    try {
      const cutoff = model.crossCutoff + 3 * trSigma;
      const ligIdx = g.crossEdges.lig.toFlatArray();
      const recIdx = g.crossEdges.rec.toFlatArray();
      const dist = (i: number, r: number): number => {
        const a = lig.heavy[i]!;
        return Math.hypot(coords[3 * a]! - rec.ca[3 * r]!, coords[3 * a + 1]! - rec.ca[3 * r + 1]!, coords[3 * a + 2]! - rec.ca[3 * r + 2]!);
      };
      for (let i = 0; i < nL; i++) {
        const mine = recIdx.filter((_, e) => ligIdx[e] === i);
        const within = Array.from({ length: nR }, (_, r) => r).filter((r) => dist(i, r) <= cutoff).sort((a, b) => dist(i, a) - dist(i, b));
        // In residue order when they all fit, else the nearest first (ties in residue order: a stable sort).
        const expected = within.length <= model.crossNeighbours ? within.sort((a, b) => a - b) : within.slice(0, model.crossNeighbours);
        assert.deepEqual(mine, expected, `atom ${i}: not the nearest, in order`);
      }
      assert.ok(ligIdx.length >= before, 'a larger σ_tr never removes cross edges');
      before = ligIdx.length;
    } finally {
      disposeGraph(g);
    }
  }
  assert.ok(before > 0 && before === nL * model.crossNeighbours, `at σ_tr = 3 every atom has its ${model.crossNeighbours} edges`);
});

test('complexBatch refuses a pose with a NaN coordinate in one line', () => {
  const coords = shifted(0);
  coords[3 * 9 + 1] = Number.NaN;  // C9
  const items: PosedComplex[] = [{ lig, rec, coords: shifted(0), t: 0.5, trSigma: 1 }, { lig, rec, coords, t: 0.5, trSigma: 1 }];
  const live = liveTensors();
  assert.throws(() => complexBatch(items, model), /^Error: ligand 2-phenylethanol: a pose has non-finite coordinates$/);
  assert.equal(liveTensors(), live, 'no tensor is made before the check');
});

test('disposeGraph frees every tensor complexBatch made', () => {
  const live = liveTensors();
  const g = complexBatch([{ lig, rec, coords: shifted(0), t: 0.2, trSigma: 2 }, { lig, rec, coords: shifted(2), t: 0.7, trSigma: 2 }], model);
  assert.ok(liveTensors() >= live + 20, `${liveTensors() - live} tensors made`);
  disposeGraph(g);
  assert.equal(liveTensors(), live);
});
