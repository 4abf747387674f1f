// DisCo-DiffDock's pointer latents (#22): the padded pointer Gumbel-Softmax (one-hot over each
// complex's own nodes, straight-through gradient = the soft sample's = finite differences), the
// encoder's invariance, latent dropout (the score network's equivariance for a fixed z is in
// score-net.test.ts), part 1's shipped model unchanged, the AR prior's factorisation and loss, and joint training with exact
// resume, Stage II and the stale-prior check.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator, grad, manualSeed, noGrad, randn, setNumThreads, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { loadCheckpoint } from '../../src/io/index.js';
import { parseDockingConfig } from '../../src/config/load.js';
import { PointerLayout, pointerGumbel, pointerSoftmax } from '../../src/disco/pointer.js';
import { complexBatch, disposeGraph, ligandGraph, type LigandGraph, type ReceptorGraph } from '../../src/docking/featurize.js';
import type { ComplexGraph } from '../../src/docking/graph.js';
import { createLatentEncoder, createLatentPrior, createScoreNet, poseScorer } from '../../src/docking/model.js';
import { contactBias } from '../../src/docking/latent-encoder.js';
import { latentsOfCodes, nodeLayout } from '../../src/docking/pointers.js';
import { sideLatents } from '../../src/docking/latent-conditioning.js';
import { contextOf, disposeContext, priorContext, samplePriorCodes } from '../../src/docking/latent-prior.js';
import type { DockingScoreNet } from '../../src/docking/score-net.js';
import { loadPoseSet } from '../../src/docking/dataset.js';
import { poseLatents } from '../../src/docking/dock.js';
import { sharedResidueStates } from '../../src/docking/residue-states.js';
import { loadReceptors } from '../../src/docking/complexes.js';
import { Rng } from '../../src/pose/random.js';
import { randomizePose } from '../../src/pose/update.js';
import { scoreScales } from '../../src/pose/forward.js';
import { trainDocking } from '../../src/train/docking.js';
import { trainDockingPrior } from '../../src/train/docking-prior.js';
import { loadDockingPrior, loadDockingRun } from '../../src/train/load-docking-run.js';
import { RunDir } from '../../src/train/run-dir.js';
import { gradcheck } from '../engine/gradcheck.js';
import { molecule } from './fixtures/molecules.js';

before(() => setNumThreads(1));
const tmp = mkdtempSync(join(tmpdir(), 'dd-dock-latents-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

type Vec = [number, number, number];
type Mat = [Vec, Vec, Vec];

const close = (a: number[], b: number[], tol: number, what: string): void => {
  assert.equal(a.length, b.length, what);
  const scale = Math.max(1, ...b.map(Math.abs));
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) <= tol * scale, `${what}[${i}]: ${x} vs ${b[i]}`));
};

// ---- the pointer Gumbel-Softmax --------------------------------------------------------------
// Segments 0 (3 items), 1 (3 items, one of them between segment 0's) and 2 (1 item): K = 3.
const segment = [0, 1, 0, 1, 1, 0, 2];
const layout = new PointerLayout(segment, 3);

test('pointer layout: classes in item order, padding −∞, pad/unpad round trip; an empty segment is refused', () => tidy(() => {
  assert.deepEqual([...layout.slot], [0, 0, 1, 1, 2, 2, 0]);
  assert.deepEqual(layout.items.map((x) => [...x]), [[0, 2, 5], [1, 3, 4], [6]]);
  const v = tensor([...Array(14).keys()], { dtype: 'float64', shape: [7, 2] });
  const padded = layout.pad(v).toArray() as number[][][];
  assert.deepEqual(padded[2], [[12, -Infinity, -Infinity], [13, -Infinity, -Infinity]]);
  assert.deepEqual(padded[0], [[0, 4, 10], [1, 5, 11]]);
  assert.deepEqual(layout.unpad(layout.pad(v)).toFlatArray(), v.toFlatArray());
  assert.deepEqual([...layout.codes(v)], [2, 2, 2, 2, 0, 0]);
  assert.deepEqual(layout.oneHot([1, 0, 2, 2, 0, 0], 2).toArray(), [[0, 1], [0, 0], [1, 0], [0, 0], [1, 1], [0, 0], [1, 1]]);
  assert.throws(() => new PointerLayout([0, 2], 3), /PointerLayout: segment 1 has no items/);
  assert.throws(() => layout.oneHot([3, 0, 0, 0, 0, 0], 2), /code 3 of segment 0, latent 0 is not a class 0\.\.2/);
}));

test('pointer Gumbel (hard): one-hot over each segment\'s own items, never the padding', () => tidy(() => {
  const gen = new Generator(1);
  // Every real logit far below 0: padding at −∞ must still lose.
  for (const shift of [0, -1e3]) {
    for (let draw = 0; draw < 20; draw++) {
      const logits = randn([7, 2], { dtype: 'float64', generator: gen }).mul(3).add(shift);
      const y = pointerGumbel(logits, layout, { tau: 1, hard: true, noise: 1, generator: gen }).toArray() as number[][];
      for (let b = 0; b < 3; b++) {
        for (let j = 0; j < 2; j++) {
          const col = [...layout.items[b]!].map((i) => y[i]![j]!);
          assert.ok(col.every((x) => x === 0 || x === 1), `segment ${b}, latent ${j}: ${col}`);
          assert.equal(col.reduce((s: number, x) => s + x, 0), 1, `segment ${b}, latent ${j}: ${col}`);
        }
      }
    }
  }
  // Probabilities sum to 1 per segment and latent.
  const p = pointerSoftmax(randn([7, 2], { dtype: 'float64', generator: gen }), layout).toArray() as number[][];
  for (let b = 0; b < 3; b++) for (let j = 0; j < 2; j++) close([[...layout.items[b]!].reduce((s, i) => s + p[i]![j]!, 0)], [1], 1e-12, 'Σp');
  gen.dispose();
}));

test('pointer Gumbel: the straight-through gradient is the soft sample\'s, which matches finite differences (float64)', () => tidy(() => {
  const init = new Generator(2);
  const x = randn([7, 2], { dtype: 'float64', generator: init }).requiresGrad_();
  const w = randn([7, 2], { dtype: 'float64', generator: init });
  init.dispose();
  // The same noise every call: a fresh generator with one seed.
  const sample = (hard: boolean): Tensor => {
    const gen = new Generator(9);
    try {
      return pointerGumbel(x, layout, { tau: 0.7, hard, noise: 1, generator: gen });
    } finally {
      gen.dispose();
    }
  };
  const [gHard] = grad(sample(true).mul(w).sum(), [x]);
  const [gSoft] = grad(sample(false).mul(w).sum(), [x]);
  close(gHard!.toFlatArray(), gSoft!.toFlatArray(), 1e-14, 'ST vs soft');
  assert.ok(gSoft!.abs().max().item() > 1e-3, 'a gradient of zeros would prove nothing');
  gradcheck(() => sample(false), [x]);
}));

// ---- small complexes -------------------------------------------------------------------------
const cfg = parseDockingConfig({
  domain: 'docking', model: { hidden: 8, layers: 2, rbf: 6 },
  latents: { enabled: true, encoderLayers: 2, prior: { hidden: 8, layers: 1 } },
});

/** A chain C–C–…–O of n heavy atoms at random positions (rotatable middle bonds), with the coordinates of a pose. */
function chain(seed: number, n: number): LigandGraph {
  const rng = new Rng(seed);
  const elements = [...Array(n - 1).fill('C'), 'O'];
  const bonds = Array.from({ length: n - 1 }, (_, i) => [i, i + 1, 1] as [number, number, 1]);
  return ligandGraph(molecule(elements, bonds, elements.flatMap((_, i) => [1.5 * i + rng.normal() * 0.3, rng.normal(), rng.normal()])));
}

/** nR residues scattered around the origin, each linked to every other within 15 Å. */
function residues(seed: number, nR: number): ReceptorGraph {
  const rng = new Rng(seed);
  const ca = Float32Array.from({ length: 3 * nR }, () => rng.normal() * 6);
  const src: number[] = [], dst: number[] = [];
  for (let i = 0; i < nR; i++) {
    for (let j = 0; j < nR; j++) {
      if (i !== j && Math.hypot(ca[3 * i]! - ca[3 * j]!, ca[3 * i + 1]! - ca[3 * j + 1]!, ca[3 * i + 2]! - ca[3 * j + 2]!) <= 15) { src.push(i); dst.push(j); }
    }
  }
  return { ca, type: Int32Array.from({ length: nR }, () => Math.floor(rng.uniform() * 21)), edges: { src: Int32Array.from(src), dst: Int32Array.from(dst) }, center: [0, 0, 0] };
}

const ligs = [chain(1, 6), chain(2, 5)];
const recs = [residues(3, 7), residues(4, 6)];
const apply = (q: Mat, s: Vec, x: ArrayLike<number>): number[] =>
  Array.from({ length: x.length }, (_, i) => { const r = i % 3, k = i - r; return q[r]![0] * x[k]! + q[r]![1] * x[k + 1]! + q[r]![2] * x[k + 2]! + s[r]!; });
const identity: Mat = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];

/** A rotation from a unit quaternion. */
function rotation(seed: number): Mat {
  const rng = new Rng(seed);
  const v = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
  const [w, x, y, z] = v.map((a) => a / Math.hypot(...v)) as [number, number, number, number];
  return [
    [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
    [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
    [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
  ];
}

/**
 * The two complexes moved by x → Qx + s, one receptor copy each, float tensors in float64 with the
 * positions exact (complexBatch rounds them to float32; every atom of these ligands is heavy).
 */
function batch(q: Mat = identity, s: Vec = [0, 0, 0]): ComplexGraph {
  const lig = ligs.map((l) => apply(q, s, l.mol.coords));
  const rec = recs.map((r) => apply(q, s, r.ca));
  const g = complexBatch(ligs.map((l, b) => ({
    lig: l, rec: { ...recs[b]!, ca: Float32Array.from(rec[b]!) }, coords: Float64Array.from(lig[b]!), t: [0.3, 0.7][b]!, trSigma: 2,
  })), cfg.model, 'cpu', { shareReceptors: false });
  const f64 = (v: number[], shape: number[]) => tensor(v, { dtype: 'float64', shape });
  const centre = lig.flatMap((x) => [0, 1, 2].map((k) => x.filter((_, i) => i % 3 === k).reduce((a, v) => a + v, 0) / (x.length / 3)));
  const exact = {
    ligX: f64(lig.flat(), [11, 3]), recX: f64(rec.flat(), [13, 3]), center: f64(centre, [2, 3]),
    ligFeat: g.ligFeat.double(), t: g.t.double(), ligEdges: { ...g.ligEdges, attr: g.ligEdges.attr.double() },
  };
  for (const t of [g.ligX, g.recX, g.center, g.ligFeat, g.t, g.ligEdges.attr]) t.dispose();
  return { ...g, ...exact };
}

/** A DisCo score network in float64 with non-zero unconditional embeddings (they start at zero). */
function discoNet(): DockingScoreNet {
  manualSeed(11);
  const net = createScoreNet(cfg).to({ dtype: 'float64' });
  const gen = new Generator(5);
  noGrad(() => {
    for (const [k, p] of net.namedParameters()) if (k.endsWith('null')) p.copy_(randn(p.shape, { dtype: 'float64', generator: gen }));
  });
  gen.dispose();
  return net;
}

interface Scores { tr: number[][]; rot: number[][]; tor: number[] }
function scores(net: DockingScoreNet, g: ComplexGraph, codes: number[] | null, drop: number[] | null = null): Scores {
  return tidy(() => {
    const z = codes ? { ...latentsOfCodes(nodeLayout(g), codes, 2, g.ligX.size(0), 'float64'),
      drop: drop ? tensor(drop, { dtype: 'bool' }) : null } : null;
    const s = net.forward(g, z);
    return { tr: s.tr.toArray() as number[][], rot: s.rot.toArray() as number[][], tor: s.tor.toFlatArray() };
  });
}

// Complex 0 (6 atoms, 7 residues): atom 1 and residue 3; complex 1 (5 atoms, 6 residues): residue 0 and atom 2.
const codes = [1, 6 + 3, 5 + 0, 2];

test('pointer batches need a receptor copy per complex', () => {
  const shared = complexBatch(ligs.map((lig) => ({ lig, rec: recs[0]!, coords: lig.mol.coords, t: 0.5, trSigma: 1 })), cfg.model);
  assert.equal(shared.recX.size(0), 7);
  assert.throws(() => nodeLayout(shared), /complex 1 has no residues of its own; build the batch with complexBatch\(…, \{ shareReceptors: false \}\)/);
  disposeGraph(shared);
  const own = complexBatch(ligs.map((lig) => ({ lig, rec: recs[0]!, coords: lig.mol.coords, t: 0.5, trSigma: 1 })), cfg.model, 'cpu',
    { shareReceptors: false });
  assert.deepEqual(own.recBatch.toFlatArray(), [...Array(7).fill(0), ...Array(7).fill(1)]);
  assert.deepEqual([...nodeLayout(own).counts], [6 + 7, 5 + 7]);
  disposeGraph(own);
});

test('encoder: per-node logits invariant to rotations, reflections and translations (float64)', () => {
  manualSeed(12);
  const enc = createLatentEncoder(cfg).to({ dtype: 'float64' });
  const logits = (g: ComplexGraph) => tidy(() => { const l = enc.forward(g); return [...l.lig.toFlatArray(), ...l.rec.toFlatArray()]; });
  const a = logits(batch());
  assert.equal(a.length, (11 + 13) * 2);
  const mirror = rotation(7).map((r) => [r[0], r[1], -r[2]]) as Mat;
  for (const [q, s] of [[rotation(6), [4, -2, 9]], [mirror, [-1, 3, 0]]] as [Mat, Vec][]) close(logits(batch(q, s)), a, 1e-10, 'logits');
  // Residues hear the ligand: moving the ligand alone changes the residues' logits.
  const g = batch();
  const moved = tidy(() => { const l = enc.forward({ ...g, ligX: g.ligX.add(0.5) }); return l.rec.toFlatArray(); });
  assert.ok(moved.some((v, i) => Math.abs(v - a[22 + i]!) > 1e-6));
  enc.dispose();
});

test('contact bias (latents.contactReach): −d²/(2s²) from each residue\'s Cα to its own ligand\'s nearest atom, invariant, added to the logits', () => {
  const s = 4, g = batch();
  const bias = tidy(() => contactBias(g, s).toFlatArray());
  const lig = g.ligX.toArray() as number[][], rec = g.recX.toArray() as number[][];
  const ligOf = g.ligBatch.toFlatArray(), recOf = g.recBatch.toFlatArray();
  const byHand = rec.map((r, i) => -Math.min(...lig.filter((_, a) => ligOf[a] === recOf[i])
    .map((l) => (l[0]! - r[0]!) ** 2 + (l[1]! - r[1]!) ** 2 + (l[2]! - r[2]!) ** 2)) / (2 * s * s));
  close(bias, byHand, 1e-12, 'bias');
  close(tidy(() => contactBias(batch(rotation(8), [3, 1, -5]), s).toFlatArray()), bias, 1e-10, 'moved bias');
  manualSeed(12);
  const plain = createLatentEncoder(cfg).to({ dtype: 'float64' });
  manualSeed(12);
  const biased = createLatentEncoder(parseDockingConfig({ ...cfg, latents: { ...cfg.latents, contactReach: s } })).to({ dtype: 'float64' });
  const rec0 = (e: typeof plain) => tidy(() => e.forward(g).rec.toArray() as number[][]);
  const [a, b] = [rec0(plain), rec0(biased)];
  close(b.flat(), a.flatMap((row, i) => row.map((v) => v + bias[i]!)), 1e-12, 'biased logits');
  for (const e of [plain, biased]) e.dispose();
});

test('latent dropout: a dropped complex gets the unconditional network (whatever its z), the others keep theirs', () => {
  const net = discoNet();
  const g = batch();
  const conditioned = scores(net, g, codes);
  const none = scores(net, g, null);
  for (const z of [codes, [4, 0, 5 + 0, 2]]) {
    const dropped = scores(net, g, z, [1, 0]);
    close(dropped.tr[0]!, none.tr[0]!, 1e-12, 'dropped tr');
    close(dropped.rot[0]!, none.rot[0]!, 1e-12, 'dropped rot');
    close(dropped.tr[1]!, conditioned.tr[1]!, 1e-12, 'kept tr');
    close(dropped.tor, [...none.tor.slice(0, 3), ...conditioned.tor.slice(3)], 1e-12, 'tor');
  }
  assert.ok(Math.abs(none.tr[1]![0]! - conditioned.tr[1]![0]!) > 1e-6, 'unconditional and conditioned differ');
  // poseScorer conditions pose i on codes[i].
  const lig = ligs[0]!, rec = recs[0]!;
  const f = poseScorer(net, lig, rec, cfg, 'cpu', [[1, 9], [1, 9]]);
  assert.throws(() => f.score([lig.mol.coords], 0.5, { tr: 1, rot: 0.5, tor: 0.5 }), /poseScorer: 2 latent codes for 1 poses/);
  f.dispose();
  assert.throws(() => poseScorer(net, lig, rec, cfg, 'cpu', [[1]]), /every pose needs 2 latent codes/);
  const dm = createScoreNet(parseDockingConfig({ domain: 'docking', model: { hidden: 8, layers: 1, rbf: 6 } }));
  assert.throws(() => dm.forward(g, { lig: g.ligX, rec: g.recX }), /latents were given to a network built without them/);
  dm.dispose();
  net.dispose();
  disposeGraph(g);
});

test('cached residue states: the same scores at another time and ligand pose, with latents, dropped latents and without', () => {
  const net = discoNet();
  const dm = createScoreNet(parseDockingConfig({ ...cfg, latents: { ...cfg.latents, enabled: false } })).to({ dtype: 'float64' });
  const g = batch();
  const moved = { ...g, ligX: g.ligX.add(0.4), center: g.center.add(0.4), t: tensor([0.9, 0.1], { dtype: 'float64' }) };
  const run = (n: DockingScoreNet, c: number[] | null, drop: number[] | null, cached: boolean): number[] => tidy(() => {
    const z = c ? { ...latentsOfCodes(nodeLayout(g), c, 2, g.ligX.size(0), 'float64'), drop: drop ? tensor(drop, { dtype: 'bool' }) : null } : null;
    const states = cached ? n.residueStates(g, z) : undefined;
    const s = n.forward(cached ? { ...moved, recEdges: null } : moved, z, states); // cached states need no residue edges
    return [...s.tr.toFlatArray(), ...s.rot.toFlatArray(), ...s.tor.toFlatArray()];
  });
  for (const [n, c, drop] of [[net, codes, null], [net, codes, [0, 1]], [net, null, null], [dm, null, null]] as const) {
    close(run(n, c && [...c], drop && [...drop], true), run(n, c && [...c], drop && [...drop], false), 1e-12, 'cached');
  }
  const wrong = tidy(() => net.residueStates(g).slice(1));
  assert.throws(() => net.forward(moved, null, wrong), /cached residue states must be 3 tensors/);
  assert.throws(() => net.forward({ ...moved, recEdges: null }, null), /the graph was built without them/);
  for (const t of [...wrong, moved.ligX, moved.center, moved.t]) t.dispose();
  net.dispose();
  dm.dispose();
  disposeGraph(g);
});

test('residue states shared by complexes of one receptor and z equal those of their own copies', () => {
  manualSeed(16);
  const net = createScoreNet(cfg);
  const items = [[0, [1, 8]], [0, [1, 8]], [1, [2, 3]], [0, [9, 2]], [1, [2, 3]]] as const;
  const own = complexBatch(items.map(([i]) => ({ lig: ligs[i]!, rec: recs[i]!, coords: ligs[i]!.mol.coords, t: 0.3, trSigma: 1 })), cfg.model,
    'cpu', { shareReceptors: false });
  try {
    for (const withCodes of [true, false]) {
      const shared = sharedResidueStates(net, items.map(([i, c]) => ({ lig: ligs[i]!, rec: recs[i]!, codes: withCodes ? c : null })), cfg.model);
      const direct = tidy(() => net.residueStates(own, withCodes
        ? latentsOfCodes(nodeLayout(own), items.flatMap(([, c]) => c), 2, own.ligX.size(0)) : null));
      assert.equal(shared.length, direct.length);
      shared.forEach((h, l) => close(h.toFlatArray(), direct[l]!.toFlatArray(), 1e-6, `layer ${l}, codes ${withCodes}`));
      for (const t of [...shared, ...direct]) t.dispose();
    }
  } finally {
    disposeGraph(own);
    net.dispose();
  }
});

test('poseScorer: first and later calls (cached residue states, graphs without residue edges) give a direct forward\'s scores, with and without latents', () => {
  manualSeed(17);
  const lig = ligs[0]!, rec = recs[0]!, rng = new Rng(8);
  const poses = Array.from({ length: 3 }, () => randomizePose(lig.mol.coords, lig.bonds, { center: rec.center, trSigma: 2 }, rng, lig.heavy));
  const sigmas = { tr: 1.5, rot: 0.6, tor: 0.9 }, t = 0.6, scale = scoreScales(sigmas);
  const two = { ...cfg, sample: { ...cfg.sample, batch: 2 } };   // two chunks: [0, 1] and [2]
  const z = [[1, 9], [4, 0], [1, 9]];
  for (const [net, latents] of [[createScoreNet(cfg), z], [createScoreNet(parseDockingConfig({ ...cfg, latents: { ...cfg.latents, enabled: false } })), undefined]] as const) {
    const direct = tidy(() => {
      const g = complexBatch(poses.map((coords) => ({ lig, rec, coords, t, trSigma: sigmas.tr })), cfg.model, 'cpu', { shareReceptors: false });
      const p = net.forward(g, latents ? latentsOfCodes(nodeLayout(g), latents.flat(), 2, g.ligX.size(0)) : null);
      const out = { tr: p.tr.toFlatArray().map((v) => v * scale.tr), tor: p.tor.toFlatArray().map((v) => v * scale.tor) };
      disposeGraph(g);
      return out;
    });
    const f = poseScorer(net, lig, rec, two, 'cpu', latents);
    for (const call of ['first', 'later']) {
      const s = f.score(poses, t, sigmas);
      close(s.flatMap((x) => x.tr), direct.tr, 1e-5, `${latents ? 'latents' : 'DM'}, ${call} call, tr`);
      close(s.flatMap((x) => [...x.tor]), direct.tor, 1e-5, `${latents ? 'latents' : 'DM'}, ${call} call, tor`);
    }
    f.dispose();
    net.dispose();
  }
});

test('pointer pull (latents.pull): tr gains a(t, d)·(p − c)/(d + 1) towards the pointed nodes; zero at the start and when dropped; equivariant; a gradient reaches z', () => {
  manualSeed(13);
  const pulled = createScoreNet(parseDockingConfig({ ...cfg, latents: { ...cfg.latents, pull: true } })).to({ dtype: 'float64' });
  const plain = discoNet();
  noGrad(() => { for (const [k, p] of pulled.namedParameters()) if (!k.startsWith('pull.')) p.copy_(plain.stateDict().get(k)!); });
  const g = batch();
  close(scores(pulled, g, codes).tr.flat(), scores(plain, g, codes).tr.flat(), 1e-12, 'zero-initialised pull');
  const last = pulled.pull!.mlp.layers.at(-1)!;
  const gen = new Generator(9);
  noGrad(() => { last.weight.copy_(randn(last.weight.shape, { dtype: 'float64', generator: gen })); last.bias!.fill_(0.3); });
  gen.dispose();
  // By hand: a_j from the MLP at each pointed node's distance, times the unit-ish vector; tr is scaled by scale[0].
  const pull = tidy(() => {
    const z = latentsOfCodes(nodeLayout(g), codes, 2, g.ligX.size(0), 'float64');
    return pulled.pull!.forward(g, sideLatents(g, { ...z, drop: null }, 2), pulled.time.forward(g.t)).toArray() as number[][];
  });
  const withPull = scores(pulled, g, codes), without = scores(plain, g, codes);
  const s0 = pulled.scale.toFlatArray()[0]!;
  close(withPull.tr.flat(), without.tr.flat().map((v, i) => v + s0 * pull.flat()[i]!), 1e-10, 'tr = net + scale · pull');
  assert.ok(pull.flat().some((v) => Math.abs(v) > 1e-3), 'a non-zero pull');
  const lig = g.ligX.toArray() as number[][], rec = g.recX.toArray() as number[][], centre = g.center.toArray() as number[][];
  // Complex 0 points at atom 1 and residue 3 (node 6 + 3): the pull is a sum of two vectors along (p − c).
  const pointed = [lig[1]!, rec[3]!].map((p) => p.map((v, k) => v - centre[0]![k]!));
  const span = pull[0]!.map((_, k) => pointed[0]![k]!), other = pointed[1]!;
  const normal = [span[1]! * other[2]! - span[2]! * other[1]!, span[2]! * other[0]! - span[0]! * other[2]!, span[0]! * other[1]! - span[1]! * other[0]!];
  assert.ok(Math.abs(pull[0]!.reduce((a, v, k) => a + v * normal[k]!, 0)) < 1e-9, 'complex 0\'s pull lies in the plane of its pointed nodes');
  // Dropped: the unconditional scores; moved complex: the pull rotates with it and ignores the shift.
  close(scores(pulled, g, codes, [1, 0]).tr[0]!, scores(pulled, g, null).tr[0]!, 1e-12, 'dropped complex');
  const q = rotation(21), moved = batch(q, [2, -7, 1]);
  close(scores(pulled, moved, codes).tr.flat(), withPull.tr.flatMap((t) => apply(q, [0, 0, 0], t)), 1e-10, 'equivariant tr');
  // The straight-through path: the pull's gradient reaches the one-hot z.
  const zl = tidy(() => latentsOfCodes(nodeLayout(g), codes, 2, g.ligX.size(0), 'float64'));
  const zt = { lig: zl.lig.requiresGrad_(true), rec: zl.rec.requiresGrad_(true) };
  const [dl, dr] = tidy(() => grad(pulled.forward(g, zt).tr.square().sum(), [zt.lig, zt.rec]).map((t) => t!.abs().max().item()));
  assert.ok(dl! > 1e-6 && dr! > 1e-6, `gradients to z: ${dl}, ${dr}`);
  for (const t of [zl.lig, zl.rec]) t.dispose();
  disposeGraph(moved);
  disposeGraph(g);
  pulled.dispose();
  plain.dispose();
});

test('the shipped DM (models/dock) loads as before and gives the same scores on a fixed input', () => {
  const data = join(tmp, 'shipped', '1HPV');
  mkdirSync(data, { recursive: true });
  for (const id of ['bzr-001', 'bzr-002']) cpSync(`data/docking/1HPV/${id}.json`, join(data, `${id}.json`));
  const { cfg: shipped, net, encoder } = loadDockingRun('models/dock');
  assert.equal(encoder, null);
  assert.equal(shipped.latents.enabled, false);
  assert.ok(![...net.stateDict().keys()].some((k) => k.includes('latent') || k.includes('null')));
  const rec = loadReceptors(shipped, ['1HPV']).get('1HPV')!.graph;
  const items = loadPoseSet(join(tmp, 'shipped')).map((r, i) => ({ lig: ligandGraph(r.mol), rec, coords: r.modes[0]!.coords, t: [0.3, 0.8][i]!, trSigma: [1.5, 9][i]! }));
  const g = complexBatch(items, shipped.model);
  const s = tidy(() => { const p = net.forward(g); return { tr: p.tr.toFlatArray(), rot: p.rot.toFlatArray(), tor: p.tor.toFlatArray() }; });
  // Part 1's network on this input (computed before the latents were added).
  close(s.tr, [-0.32935893535614014, 0.2954230308532715, -0.06825127452611923, -0.1938645988702774, 0.08264817297458649, 0.20468951761722565], 1e-6, 'tr');
  close(s.rot, [-0.20036086440086365, 0.10443075746297836, 0.1598682403564453, 0.08117607980966568, 0.054477300494909286, 0.16898593306541443], 1e-6, 'rot');
  close(s.tor, [0.017147120088338852, 0.1147056296467781, 0.03617268055677414, -0.027531500905752182], 1e-6, 'tor');
  disposeGraph(g);
  net.dispose();
});

// ---- the prior ------------------------------------------------------------------------------
test('prior: p(z1) and p(z2 | z1) sum to 1 over each complex\'s nodes, p(z1, z2) sums to 1, z2 depends on z1', () => {
  const net = discoNet();
  manualSeed(13);
  const prior = createLatentPrior(cfg).to({ dtype: 'float64' });
  const g = batch();
  const ctx = contextOf(net, g);
  const { items } = ctx.layout;
  const perComplex = (p: number[]) => items.map((nodes) => [...nodes].reduce((s, i) => s + p[i]!, 0));
  const p1 = tidy(() => prior.probabilities(ctx, [0, 0, 0, 0], 0).toFlatArray());
  close(perComplex(p1), [1, 1], 1e-12, 'Σ p(z1)');
  let joint = 0;
  const rows: number[][] = [];
  for (let c = 0; c < items[0]!.length; c++) {
    const p2 = tidy(() => prior.probabilities(ctx, [c, 0, 3, 0], 1).toFlatArray());
    close(perComplex(p2), [1, 1], 1e-12, `Σ p(z2 | z1 = ${c})`);
    joint += [...items[0]!].reduce((s, i) => s + p1[items[0]![c]!]! * p2[i]!, 0);
    rows.push([...items[0]!].map((i) => p2[i]!));
  }
  close([joint], [1], 1e-12, 'Σ p(z1, z2)');
  assert.ok(rows.some((r) => r.some((v, i) => Math.abs(v - rows[0]![i]!) > 1e-6)), 'p(z2 | z1) does not depend on z1');
  // The loss is the cross-entropy of soft targets, averaged over complexes and latents.
  const gen = new Generator(4);
  const target = pointerSoftmax(randn([ctx.layout.size, 2], { dtype: 'float64', generator: gen }), ctx.layout);
  const t = target.toArray() as number[][];
  const teacher = [5, 0, 8, 0];
  const logq = [0, 1].map((i) => tidy(() => prior.probabilities(ctx, teacher, i).toFlatArray()).map(Math.log));
  const want = -t.reduce((s, row, n) => s + row[0]! * logq[0]![n]! + row[1]! * logq[1]![n]!, 0) / 4;
  close([tidy(() => prior.loss(ctx, target, teacher).item())], [want], 1e-12, 'loss');
  // Sampling: reproducible by seed; at a huge logit scale the first latent is the argmax.
  const draw = (seed: number, logitScale: number) => { const r = new Generator(seed); try { return [...prior.sample(ctx, { logitScale, generator: r })]; } finally { r.dispose(); } };
  assert.deepEqual(draw(1, 0.2231), draw(1, 0.2231));
  const argmax = items.map((nodes) => [...nodes].reduce((best, i, c) => (p1[i]! > p1[nodes[best]!]! ? c : best), 0));
  // A scale that puts the top logit 50 above the runner-up's (Gumbel noise differences beyond 50 have odds e^−50).
  const margin = Math.min(...items.map((nodes) => { const l = [...nodes].map((i) => Math.log(p1[i]!)).sort((x, y) => y - x); return l[0]! - l[1]!; }));
  const greedy = draw(2, 50 / margin);
  assert.deepEqual([greedy[0], greedy[2]], argmax);
  assert.throws(() => prior.sample(ctx, { logitScale: 0 }), /logit scale must be a positive number, got 0/);
  gen.dispose();
  disposeContext(ctx);
  disposeGraph(g);
  prior.dispose();
  net.dispose();
});

test('prior context: residue states computed once per distinct receptor equal each copy\'s own', () => {
  manualSeed(15);
  const net = createScoreNet(cfg);
  const items = [0, 1, 0].map((b) => ({ lig: ligs[b]!, rec: recs[b]!, center: [1, -2, 0.5] as Vec }));
  const shared = priorContext(net, items, cfg, new Rng(3));
  // priorContext's graph, rebuilt from the same stream (the ligand placed at its centre, t = 1, σ_tr(1) cross edges).
  const rng = new Rng(3);
  const g = complexBatch(items.map(({ lig, rec, center }) => ({ lig, rec, t: 1, trSigma: cfg.diffusion.trSigmaMax,
    coords: randomizePose(lig.mol.coords, lig.bonds, { center, trSigma: 0 }, rng, lig.heavy) })), cfg.model, 'cpu', { shareReceptors: false });
  const own = contextOf(net, g);
  close(tidy(() => shared.h.toFlatArray()), tidy(() => own.h.toFlatArray()), 1e-5, 'node states');
  disposeContext(shared);
  disposeContext(own);
  disposeGraph(g);
  net.dispose();
});

test('prior: docking draws an independent z per sample, in batches of sample.batch', () => {
  manualSeed(14);
  const net = createScoreNet(cfg), prior = createLatentPrior(cfg);
  const draw = (seed: number) => {
    const generator = new Generator(seed);
    try {
      return samplePriorCodes(prior, net, { lig: ligs[0]!, rec: recs[0]!, center: [0, 0, 0] },
        { ...cfg, sample: { ...cfg.sample, batch: 3 } }, { n: 40, logitScale: 0.2231, rng: new Rng(seed), generator });
    } finally {
      generator.dispose();
    }
  };
  const z = draw(1);
  assert.equal(z.length, 40);
  assert.ok(z.every((c) => c.length === 2 && c.every((x) => Number.isInteger(x) && x >= 0 && x < 6 + 7)));
  // At logit scale exp(−1.5) the untrained prior is nearly uniform over 13 nodes: 40 draws hit many.
  assert.ok(new Set(z.map((c) => c[0])).size >= 5, JSON.stringify(z));
  assert.deepEqual(draw(1), z);
  prior.dispose();
  net.dispose();
});

// ---- joint training, resume, Stage II --------------------------------------------------------
test('prior: poseLatents draws follow the seed alone, not the global random stream', () => {
  manualSeed(15);
  const net = createScoreNet(cfg), prior = createLatentPrior(cfg);
  const draw = (seed: number) => poseLatents(net, cfg, ligs[0]!, recs[0]!, { seed, prior: { model: prior, logitScale: 0.2231 } });
  try {
    const z = draw(3);
    assert.equal(z?.length, cfg.sample.n);
    randn([100]).dispose();
    manualSeed(99);
    assert.deepEqual(draw(3), z, 'the same seed after the global stream moved');
    assert.notDeepEqual(draw(4), z);
  } finally {
    net.dispose();
    prior.dispose();
  }
});

const data = join(tmp, 'data');
mkdirSync(join(data, '1HPV'), { recursive: true });
mkdirSync(join(data, 'receptors'));
cpSync('data/docking/receptors/1HPV.pdbqt', join(data, 'receptors', '1HPV.pdbqt'));
for (let i = 1; i <= 8; i++) cpSync(`data/docking/1HPV/bzr-00${i}.json`, join(data, '1HPV', `bzr-00${i}.json`));
const trainConfig = (steps: number) => parseDockingConfig({
  domain: 'docking', data: { dir: data, receptors: ['1HPV'], limit: 3 }, model: { hidden: 8, layers: 1, rbf: 6 },
  latents: { enabled: true, encoderLayers: 1, prior: { hidden: 8, layers: 1, steps: 3, batch: 2 } },
  train: { steps, batch: 2, logEvery: 1, checkpointEvery: 2, threads: 1, warmupSteps: 2, emaDecay: 0.9, emaRampup: 0 },
});

function tensorsOf(dir: string): Map<string, number[]> {
  const ck = loadCheckpoint(new RunDir(dir).checkpoint);
  try {
    return new Map([...ck.tensors].map(([k, t]) => [k, t.toFlatArray()]));
  } finally {
    ck.dispose();
  }
}
const rows = (dir: string) => readFileSync(new RunDir(dir).metrics, 'utf8').trim().split('\n')
  .map((l) => JSON.parse(l) as Record<string, unknown>).map(({ stepsPerSec: _, ...r }) => r);

test('joint training: 2 steps and a resume to 4 equal 4 in one go; Stage II fits a prior that a newer encoder makes stale', async () => {
  const whole = join(tmp, 'whole'), split = join(tmp, 'split');
  await trainDocking(trainConfig(4), whole, { quiet: true });
  await trainDocking(trainConfig(2), split, { quiet: true });
  await trainDocking(trainConfig(4), split, { quiet: true, resume: true });
  const a = tensorsOf(whole), b = tensorsOf(split);
  assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
  for (const k of ['model.score.latent.lig_in.weight', 'model.encoder.rec_head.1.bias', 'ema.encoder.layers.0.rec_cross.out.weight', 'rng.gumbel']) {
    assert.ok(a.has(k), k);
  }
  for (const [k, x] of a) close(b.get(k)!, x, 1e-7, k);
  // The denoising loss reaches the encoder through the straight-through pointers: its weights left
  // their initial values, which the EMA (decay 0.9) still half remembers.
  const encoderKeys = [...a.keys()].filter((k) => k.startsWith('model.encoder.'));
  assert.ok(encoderKeys.some((k) => a.get(k)!.some((v, i) => v !== a.get(`ema.${k.slice(6)}`)![i])), 'the encoder did not train');
  const r = rows(whole);
  assert.deepEqual(rows(split), r);
  for (const row of r) {
    for (const k of ['loss', 'entropy', 'onLigand']) assert.ok(Number.isFinite(row[k]), `${k} of step ${row.step}`);
    // Entropy of a pointer over a complex's nodes: between 0 and log(nodes); about log(nodes) at the start.
    assert.ok((row.entropy as number) > 0 && (row.entropy as number) < Math.log(25 + 198));
  }

  await trainDockingPrior(split, { quiet: true });
  const run = loadDockingRun(split);
  assert.ok(run.encoder && run.encoderRecord?.step === 4);
  const prior = loadDockingPrior(run);
  assert.equal(prior.options.latents, 2);
  const priorRows = readFileSync(run.run.priorMetrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss: number });
  assert.equal(priorRows.at(-1)!.step, 3);
  assert.ok(Number.isFinite(priorRows.at(-1)!.loss) && priorRows.at(-1)!.loss > 0);
  assert.ok(!existsSync(join(split, 'prior-next')));
  prior.dispose();
  run.net.dispose();
  run.encoder.dispose();

  await trainDocking(trainConfig(5), split, { quiet: true, resume: true });
  const newer = loadDockingRun(split);
  assert.throws(() => loadDockingPrior(newer), /prior\.safetensors was fitted at step 4, the checkpoint is at step 5: rerun `disco-diff train-prior/);
  loadDockingPrior(newer, { stale: true }).dispose();
  newer.net.dispose();
  newer.encoder?.dispose();
  // A resume may not switch the latents off.
  await assert.rejects(trainDocking(parseDockingConfig({ ...trainConfig(6), latents: { enabled: false } }), split, { quiet: true, resume: true }),
    /trained with other model or data settings \(latents\.enabled true → false/);
});
