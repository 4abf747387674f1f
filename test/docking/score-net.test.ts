// The docking score network: its symmetries (rotation, translation, reflection, the order and
// independence of complexes in a batch; also with pointer latents for a fixed z), its chain-rule readout against finite differences of a
// potential, its parameter gradients against finite differences, and the batch checks.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, setNumThreads, tensor, tidy, type DType, type Tensor } from '../../src/engine/index.js';
import type { ComplexGraph } from '../../src/docking/graph.js';
import { DockingScoreNet, poseReadout, type DockingScoreNetOptions, type DockingScores } from '../../src/docking/score-net.js';
import { gaussianRbf } from '../../src/docking/radial.js';
import { latentsOfCodes, nodeLayout } from '../../src/docking/pointers.js';
import { Rng } from '../../src/pose/random.js';
import { gradcheck } from '../engine/gradcheck.js';

before(() => setNumThreads(1));

type Vec = [number, number, number];
type Mat = [Vec, Vec, Vec];
const FL = 5, FB = 4;

/** One complex in plain numbers; indices are local to it. */
interface Complex {
  ligX: Vec[];
  ligFeat: number[][];
  recX: Vec[];
  recType: number[];
  ligEdges: { src: number; dst: number; attr: number[] }[];
  recEdges: [number, number][];
  cross: [number, number][];
  t: number;
  torsions: { u: number; v: number; moving: number[] }[];
}

/** A random complex: a ligand of nL atoms near the origin, nR residues around it, a chain of torsions. */
function randomComplex(seed: number, nL = 8, nR = 12, torsions = 2): Complex {
  const rng = new Rng(seed);
  const vec = (s: number): Vec => [rng.normal() * s, rng.normal() * s, rng.normal() * s];
  const ligX = Array.from({ length: nL }, () => vec(2));
  const recX = Array.from({ length: nR }, () => vec(6));
  const dist = (a: Vec, b: Vec) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
  const ligEdges = [];
  for (let i = 0; i < nL; i++) for (let j = 0; j < nL; j++) {
    if (i !== j) ligEdges.push({ src: j, dst: i, attr: Array.from({ length: FB }, () => rng.uniform()) });
  }
  const recEdges: [number, number][] = [];
  for (let i = 0; i < nR; i++) for (let j = 0; j < nR; j++) if (i !== j && dist(recX[i]!, recX[j]!) < 15) recEdges.push([j, i]);
  const cross: [number, number][] = [];
  for (let i = 0; i < nL; i++) for (let j = 0; j < nR; j++) if (dist(ligX[i]!, recX[j]!) < 12) cross.push([i, j]);
  // Bond k: atoms 2k+1 → 2k+2; it moves every atom after 2k+1.
  const tors = Array.from({ length: torsions }, (_, k) => ({
    u: 2 * k + 1, v: 2 * k + 2, moving: Array.from({ length: nL - 2 * k - 2 }, (_, i) => 2 * k + 2 + i),
  }));
  return {
    ligX, recX, ligEdges, recEdges, cross, torsions: tors, t: rng.uniform(),
    ligFeat: Array.from({ length: nL }, () => Array.from({ length: FL }, () => rng.normal())),
    recType: Array.from({ length: nR }, () => Math.floor(rng.uniform() * 21)),
  };
}

/** The complexes concatenated into one batch (global indices), float tensors in `dtype`. */
function batch(cs: Complex[], dtype: DType = 'float64'): ComplexGraph {
  const f = (v: number[], shape: number[]) => tensor(v, { dtype, shape });
  const i = (v: number[]) => tensor(v, { dtype: 'int64', shape: [v.length] });
  let oL = 0, oR = 0, oT = 0;
  const acc = {
    ligX: [] as number[], ligFeat: [] as number[], ligBatch: [] as number[], recX: [] as number[], recType: [] as number[],
    recBatch: [] as number[], ls: [] as number[], ld: [] as number[], attr: [] as number[], rs: [] as number[], rd: [] as number[],
    xl: [] as number[], xr: [] as number[], center: [] as number[], t: [] as number[], u: [] as number[], v: [] as number[],
    tb: [] as number[], mt: [] as number[], ma: [] as number[],
  };
  cs.forEach((c, b) => {
    c.ligX.forEach((x, k) => { acc.ligX.push(...x); acc.ligFeat.push(...c.ligFeat[k]!); acc.ligBatch.push(b); });
    c.recX.forEach((x, k) => { acc.recX.push(...x); acc.recType.push(c.recType[k]!); acc.recBatch.push(b); });
    for (const e of c.ligEdges) { acc.ls.push(e.src + oL); acc.ld.push(e.dst + oL); acc.attr.push(...e.attr); }
    for (const [s, d] of c.recEdges) { acc.rs.push(s + oR); acc.rd.push(d + oR); }
    for (const [l, r] of c.cross) { acc.xl.push(l + oL); acc.xr.push(r + oR); }
    acc.center.push(...[0, 1, 2].map((a) => c.ligX.reduce((s, x) => s + x[a]!, 0) / c.ligX.length));
    acc.t.push(c.t);
    c.torsions.forEach((tor, k) => {
      acc.u.push(tor.u + oL); acc.v.push(tor.v + oL); acc.tb.push(b);
      for (const a of tor.moving) { acc.mt.push(oT + k); acc.ma.push(a + oL); }
    });
    oL += c.ligX.length; oR += c.recX.length; oT += c.torsions.length;
  });
  return {
    nComplexes: cs.length,
    ligX: f(acc.ligX, [oL, 3]), ligFeat: f(acc.ligFeat, [oL, FL]), ligBatch: i(acc.ligBatch),
    recX: f(acc.recX, [oR, 3]), recType: i(acc.recType), recBatch: i(acc.recBatch),
    ligEdges: { src: i(acc.ls), dst: i(acc.ld), attr: f(acc.attr, [acc.ls.length, FB]) },
    recEdges: { src: i(acc.rs), dst: i(acc.rd) },
    crossEdges: { lig: i(acc.xl), rec: i(acc.xr) },
    center: f(acc.center, [cs.length, 3]), t: f(acc.t, [cs.length]),
    torsion: { u: i(acc.u), v: i(acc.v), batch: i(acc.tb) },
    moving: { torsion: i(acc.mt), atom: i(acc.ma) },
  };
}

const apply = (q: Mat, x: Vec): Vec => [0, 1, 2].map((r) => q[r]![0] * x[0] + q[r]![1] * x[1] + q[r]![2] * x[2]) as Vec;
/** The complex moved by x → Q x + s. */
function moved(c: Complex, q: Mat, s: Vec): Complex {
  const m = (x: Vec) => apply(q, x).map((v, a) => v + s[a]!) as Vec;
  return { ...c, ligX: c.ligX.map(m), recX: c.recX.map(m) };
}
/** A random rotation from a random unit quaternion. */
function randomRotation(seed: number): Mat {
  const rng = new Rng(seed);
  const q = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
  const n = Math.hypot(...q);
  const [w, x, y, z] = q.map((v) => v / n) as [number, number, number, number];
  return [
    [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
    [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
    [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
  ];
}

interface Scores { tr: Vec[]; rot: Vec[]; tor: number[] }
/** The scores of a batch; with `codes`, conditioned on those pointer latents (2 per complex). */
function scores(net: DockingScoreNet, cs: Complex[], dtype: DType = 'float64', codes?: number[]): Scores {
  return tidy(() => {
    const g = batch(cs, dtype);
    const s = net.forward(g, codes ? latentsOfCodes(nodeLayout(g), codes, 2, g.ligX.size(0), dtype) : null);
    return { tr: s.tr.toArray() as Vec[], rot: s.rot.toArray() as Vec[], tor: s.tor.toArray() as number[] };
  });
}

function close(actual: number[], expected: number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  const scale = Math.max(1, ...expected.map(Math.abs));
  actual.forEach((a, k) => assert.ok(Math.abs(a - expected[k]!) <= tol * scale, `${what}[${k}]: ${a} vs ${expected[k]}`));
}

/** Small network sizes for the tests, with `o` replacing some. */
function options(o: Partial<DockingScoreNetOptions>): DockingScoreNetOptions {
  return { ligFeatures: FL, bondFeatures: FB, hidden: 16, layers: 2, rbf: 8, cutoffs: { lig: 10, rec: 15, cross: 20 },
    residueTypes: 21, timeFeatures: 32, outputScale: 0.1, ...o };
}

function net(dtype: DType, o: { hidden?: number; layers?: number; latents?: number } = {}): DockingScoreNet {
  manualSeed(7);
  // outputScale 1 so that the outputs are O(1) and the tolerances mean something.
  return new DockingScoreNet(options({ hidden: o.hidden ?? 16, layers: o.layers ?? 2, rbf: 8, outputScale: 1, latents: o.latents }))
    .to({ dtype });
}

const c0 = randomComplex(1), c1 = randomComplex(2, 7, 10, 2), c2 = randomComplex(3, 6, 9, 0);

test('score net: shapes and dtypes, outputs far from zero', () => tidy(() => {
  const s = net('float32').forward(batch([c0, c1], 'float32'));
  assert.deepEqual([s.tr.shape, s.rot.shape, s.tor.shape], [[2, 3], [2, 3], [4]]);
  assert.deepEqual([s.tr.dtype, s.rot.dtype, s.tor.dtype], ['float32', 'float32', 'float32']);
  for (const t of [s.tr, s.rot, s.tor]) assert.ok(t.abs().min().item() > 1e-4, 'a symmetry test on zeros would prove nothing');
}));

test('score net: a rotation and a translation rotate tr and rot and leave tor unchanged (float64, 1e-10)', () => {
  const m = net('float64');
  const q = randomRotation(11), s: Vec = [3, -7, 12];
  const a = scores(m, [c0, c1]), b = scores(m, [moved(c0, q, s), moved(c1, q, s)]);
  close(b.tr.flat(), a.tr.flatMap((v) => apply(q, v)), 1e-10, 'tr');
  close(b.rot.flat(), a.rot.flatMap((v) => apply(q, v)), 1e-10, 'rot');
  close(b.tor, a.tor, 1e-10, 'tor');
  m.dispose();
});

test('score net: the same in float32 within 1e-4', () => {
  const m = net('float32');
  const q = randomRotation(12), s: Vec = [-5, 2, 9];
  const a = scores(m, [c0, c1], 'float32'), b = scores(m, [moved(c0, q, s), moved(c1, q, s)], 'float32');
  close(b.tr.flat(), a.tr.flatMap((v) => apply(q, v)), 1e-4, 'tr');
  close(b.rot.flat(), a.rot.flatMap((v) => apply(q, v)), 1e-4, 'rot');
  close(b.tor, a.tor, 1e-4, 'tor');
  m.dispose();
});

test('score net: reflections — tr is a vector, rot a pseudovector (det Q · Q rot), tor a pseudoscalar', () => {
  const m = net('float64');
  const a = scores(m, [c0, c1]);
  const inversion: Mat = [[-1, 0, 0], [0, -1, 0], [0, 0, -1]];
  const r = randomRotation(13);
  const mirror: Mat = r.map((row) => [row[0], row[1], -row[2]]) as Mat; // R · diag(1, 1, −1), det −1
  for (const q of [inversion, mirror]) {
    const b = scores(m, [moved(c0, q, [1, 2, 3]), moved(c1, q, [1, 2, 3])]);
    close(b.tr.flat(), a.tr.flatMap((v) => apply(q, v)), 1e-10, 'tr');
    close(b.rot.flat(), a.rot.flatMap((v) => apply(q, v).map((x) => -x)), 1e-10, 'rot');
    close(b.tor, a.tor.map((x) => -x), 1e-10, 'tor');
  }
  m.dispose();
});

test('score net with pointer latents: the same symmetries for a fixed z, and z matters', () => {
  const m = net('float64', { latents: 2 });
  // c0 (8 atoms, 12 residues): atom 1 and residue 3; c1 (7 atoms, 10 residues): residue 0 and atom 2.
  const z = [1, 8 + 3, 7 + 0, 2];
  const a = scores(m, [c0, c1], 'float64', z);
  const inversion: Mat = [[-1, 0, 0], [0, -1, 0], [0, 0, -1]];
  const mirror: Mat = randomRotation(15).map((row) => [row[0], row[1], -row[2]]) as Mat;
  for (const [q, det] of [[randomRotation(14), 1], [inversion, -1], [mirror, -1]] as [Mat, number][]) {
    const b = scores(m, [moved(c0, q, [4, -1, 2]), moved(c1, q, [4, -1, 2])], 'float64', z);
    close(b.tr.flat(), a.tr.flatMap((v) => apply(q, v)), 1e-10, 'tr');
    close(b.rot.flat(), a.rot.flatMap((v) => apply(q, v).map((x) => det * x)), 1e-10, 'rot');
    close(b.tor, a.tor.map((x) => det * x), 1e-10, 'tor');
  }
  const other = scores(m, [c0, c1], 'float64', [0, 8 + 3, 7 + 0, 2]);
  assert.ok(Math.abs(other.tr[0]![0] - a.tr[0]![0]) > 1e-6, 'another pointer gives other scores');
  close(other.tr[1]!, a.tr[1]!, 1e-12, 'the other complex keeps its scores');
  m.dispose();
});

test('score net: swapping the complexes swaps the outputs; a complex does not see its batch mates', () => {
  const m = net('float64');
  const a = scores(m, [c0, c1]);
  const swapped = scores(m, [c1, c0]);
  close(swapped.tr.flat(), [...a.tr[1]!, ...a.tr[0]!], 1e-12, 'tr');
  close(swapped.rot.flat(), [...a.rot[1]!, ...a.rot[0]!], 1e-12, 'rot');
  close(swapped.tor, [...a.tor.slice(2), ...a.tor.slice(0, 2)], 1e-12, 'tor');
  // c2 has no rotatable bonds: the batch has T = 2.
  for (const other of [scores(m, [c0, c2]), scores(m, [c0])]) {
    close(other.tr[0]!, a.tr[0]!, 1e-12, 'tr');
    close(other.rot[0]!, a.rot[0]!, 1e-12, 'rot');
    close(other.tor, a.tor.slice(0, 2), 1e-12, 'tor');
  }
  m.dispose();
});

// ---- the readout against the pose derivatives of a potential ---------------------------------
/** x rotated by the rotation vector ω about the point c (Rodrigues). */
function rotateAbout(x: Vec, c: Vec, w: Vec): Vec {
  const th = Math.hypot(...w);
  const a = [x[0] - c[0], x[1] - c[1], x[2] - c[2]] as Vec;
  if (th === 0) return x;
  const n = w.map((v) => v / th) as Vec;
  const nxa: Vec = [n[1] * a[2] - n[2] * a[1], n[2] * a[0] - n[0] * a[2], n[0] * a[1] - n[1] * a[0]];
  const nda = n[0] * a[0] + n[1] * a[1] + n[2] * a[2];
  return [0, 1, 2].map((k) => c[k]! + a[k]! * Math.cos(th) + nxa[k]! * Math.sin(th) + n[k]! * nda * (1 - Math.cos(th))) as Vec;
}

test('poseReadout of F = ∇E gives dE/d(translation), dE/d(rotation about the centre), dE/d(torsion angle)', () => tidy(() => {
  // E = Σ_k ½ |x_k − p_k|², so ∇_k E = x_k − p_k.
  const cs = [c0, c1];
  const anchors = cs.map((c, b) => randomComplex(20 + b, c.ligX.length, 1, 0).ligX);
  const energy = (b: number, x: Vec[]) => x.reduce((s, xk, k) => s + 0.5 * xk.reduce((t, v, a) => t + (v - anchors[b]![k]![a]!) ** 2, 0), 0);
  const g = batch(cs);
  const grad = tensor(cs.flatMap((c, b) => c.ligX.flatMap((x, k) => x.map((v, a) => v - anchors[b]![k]![a]!))), { dtype: 'float64', shape: [g.ligX.size(0), 3] });
  const r = poseReadout(g, { tr: grad, rot: grad, tor: grad } satisfies DockingScores);
  const tr = r.tr.toArray() as Vec[], rot = r.rot.toArray() as Vec[], tor = r.tor.toFlatArray();
  const h = 1e-6;
  const central = (f: (e: number) => number) => (f(h) - f(-h)) / (2 * h);
  let bond = 0;
  cs.forEach((c, b) => {
    const centre = [0, 1, 2].map((a) => c.ligX.reduce((s, x) => s + x[a]!, 0) / c.ligX.length) as Vec;
    for (let a = 0; a < 3; a++) {
      const unit = (e: number) => [0, 1, 2].map((k) => (k === a ? e : 0)) as Vec;
      const dTr = central((e) => energy(b, c.ligX.map((x) => x.map((v, k) => v + unit(e)[k]!) as Vec)));
      const dRot = central((e) => energy(b, c.ligX.map((x) => rotateAbout(x, centre, unit(e)))));
      assert.ok(Math.abs(tr[b]![a]! - dTr) < 1e-6, `tr[${b}][${a}]: ${tr[b]![a]} vs ${dTr}`);
      assert.ok(Math.abs(rot[b]![a]! - dRot) < 1e-6, `rot[${b}][${a}]: ${rot[b]![a]} vs ${dRot}`);
    }
    for (const { u, v, moving } of c.torsions) {
      const axis = [0, 1, 2].map((k) => c.ligX[v]![k]! - c.ligX[u]![k]!) as Vec;
      const len = Math.hypot(...axis);
      const twist = (e: number) => c.ligX.map((x, k) => (moving.includes(k) ? rotateAbout(x, c.ligX[v]!, axis.map((w) => (w / len) * e) as Vec) : x));
      const dTor = central((e) => energy(b, twist(e)));
      assert.ok(Math.abs(tor[bond]! - dTor) < 1e-6, `tor[${bond}]: ${tor[bond]} vs ${dTor}`);
      bond++;
    }
  });
}));

test('score net: gradients w.r.t. parameters match finite differences (float64)', () => tidy(() => {
  const m = net('float64', { hidden: 8, layers: 2 });
  const g = batch([c0, c1]);
  const f = (): Tensor[] => { const s = m.forward(g); return [s.tr, s.rot, s.tor]; };
  const layer0 = m.layers.items[0]!;
  gradcheck(f, [m.scale, m.ligHead.out.bias!, layer0.cross.edgeIn.bias!, layer0.ligNorm.weight,
    m.time.fc2.bias!, m.layers.items[1]!.recUpdate.layers[1]!.bias!]);
  m.dispose();
}));

test('gaussianRbf: exp(−(d − μ_k)²/2Δ²) at evenly spaced centres', () => tidy(() => {
  const r = gaussianRbf(tensor([0, 2.5, 7]), 3, 5).toArray() as number[][];
  // centres 0, 2.5, 5; Δ = 2.5
  const want = [0, 2.5, 7].map((d) => [0, 2.5, 5].map((mu) => Math.exp(-((d - mu) ** 2) / (2 * 2.5 ** 2))));
  close(r.flat(), want.flat(), 1e-6, 'rbf');
  assert.throws(() => gaussianRbf(tensor([1]), 1, 5), /gaussianRbf: needs at least 2 centres/);
}));

test('score net: a batch that does not fit the network is refused, naming the field', () => tidy(() => {
  const m = new DockingScoreNet(options({ ligFeatures: FL + 1, hidden: 8, layers: 1 }));
  assert.throws(() => m.forward(batch([c0], 'float32')), /ComplexGraph\.ligFeat: expected shape \[8,6\], got \[8,5\]/);
  const g = batch([c0], 'float32');
  assert.throws(() => new DockingScoreNet(options({ hidden: 8, layers: 1 })).forward({ ...g, t: g.t.long() }),
    /ComplexGraph\.t: expected float32, got int64/);
}));
