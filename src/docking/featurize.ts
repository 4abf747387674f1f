/**
 * From molecules to the score network's input: a ligand's heavy-atom graph (features, all atom
 * pairs with bond and path-length attributes, rotatable bonds), a receptor's residue graph (Cα,
 * residue type, nearest-neighbour edges), and a batch of posed complexes as one ComplexGraph with
 * ligand–residue edges within DiffDock's dynamic cutoff (cutoff + 3·σ_tr).
 */
import { tensor, type Device, type Tensor } from '../engine/index.js';
import { heavyAtoms, neighbours, type Molecule, type Vec3 } from '../chem/molecule.js';
import { kekulize } from '../chem/kekulize.js';
import { bondKey, ringBondSet } from '../chem/rings.js';
import { rotatableBonds, type RotatableBond } from '../chem/torsions.js';
import { residueCA, residueTypeIndex, type Receptor, type Residue } from '../chem/receptor.js';
import type { DockingModelConfig } from '../config/docking.js';
import type { ComplexGraph } from './graph.js';

/** Element classes of the ligand atom features; anything else is 'other'. */
const ELEMENTS = ['C', 'N', 'O', 'S', 'F', 'Cl', 'Br', 'I', 'P'];

/** Width of a ligand atom's feature vector: element (10), charge −/0/+ (3), heavy degree 0…4+ (5), in a ring, unsaturated. */
export const LIGAND_FEATURES = ELEMENTS.length + 1 + 3 + 5 + 2;
/** Width of a ligand pair's attributes: bond none/single/double/triple/aromatic (5), path length 1, 2, 3, ≥4 or none (5), ring bond. */
export const PAIR_FEATURES = 5 + 5 + 1;

/** A ligand prepared for the network: its molecule (all atoms), heavy atoms, features, pairs and rotatable bonds. */
export interface LigandGraph {
  mol: Molecule;
  /** Indices (into mol.atoms) of the heavy atoms, the network's nodes. */
  heavy: Int32Array;
  /** [heavy, LIGAND_FEATURES] row-major. */
  feat: Float32Array;
  /** Ordered pairs of heavy-atom node indices (both directions) and their attributes [pairs, PAIR_FEATURES]. */
  pairs: { src: Int32Array; dst: Int32Array; attr: Float32Array };
  /** Rotatable bonds over mol's atoms (the pose update turns hydrogens too). */
  bonds: RotatableBond[];
  /** Per rotatable bond: its ends as heavy-atom node indices, and the heavy nodes it moves. */
  torsions: { u: number; v: number; moving: Int32Array }[];
}

/** Builds a ligand's graph; aromatic (order 4) bonds are kekulized first so every input reads alike. */
export function ligandGraph(input: Molecule): LigandGraph {
  const mol = input.bonds.some((b) => b.order === 4) ? kekulize(input) : input;
  const heavy = Int32Array.from(heavyAtoms(mol));
  if (heavy.length === 0) throw new Error(`ligand ${mol.title || '(untitled)'} has no heavy atoms`);
  const node = new Int32Array(mol.atoms.length).fill(-1);
  heavy.forEach((a, i) => { node[a] = i; });
  const nbr = neighbours(mol);
  const ring = ringBondSet(mol);
  const order = new Map<string, number>();
  for (const b of mol.bonds) order.set(bondKey(b.a, b.b), b.order);
  const feat = new Float32Array(heavy.length * LIGAND_FEATURES);
  heavy.forEach((a, i) => {
    const f = feat.subarray(i * LIGAND_FEATURES, (i + 1) * LIGAND_FEATURES);
    const atom = mol.atoms[a]!;
    const e = ELEMENTS.indexOf(atom.element);
    f[e >= 0 ? e : ELEMENTS.length] = 1;
    let o = ELEMENTS.length + 1;
    f[o + Math.sign(atom.charge) + 1] = 1;
    o += 3;
    const heavyNbrs = nbr[a]!.filter((b) => node[b]! >= 0);
    f[o + Math.min(heavyNbrs.length, 4)] = 1;
    o += 5;
    f[o] = heavyNbrs.some((b) => ring.has(bondKey(a, b))) ? 1 : 0;
    f[o + 1] = nbr[a]!.some((b) => (order.get(bondKey(a, b)) ?? 1) > 1) ? 1 : 0;
  });
  const pairs = ligandPairs(mol, heavy, node, order, ring);
  const bonds = rotatableBonds(mol);
  const torsions = bonds.map((b) => ({
    u: node[b.u]!, v: node[b.v]!, moving: Int32Array.from([...b.moving].filter((a) => node[a]! >= 0), (a) => node[a]!),
  }));
  return { mol, heavy, feat, pairs, bonds, torsions };
}

/** All ordered heavy-atom pairs with bond type, path length (BFS over the bond graph) and ring-bond flag. */
function ligandPairs(mol: Molecule, heavy: Int32Array, node: Int32Array, order: Map<string, number>, ring: Set<string>):
  LigandGraph['pairs'] {
  const n = heavy.length;
  const nbr = neighbours(mol).map((l) => l.filter((b) => node[b]! >= 0).map((b) => node[b]!));
  const src: number[] = [];
  const dst: number[] = [];
  const attr: number[] = [];
  for (let i = 0; i < n; i++) {
    const dist = new Int32Array(n).fill(-1);
    dist[i] = 0;
    const queue = [i];
    for (let q = 0; q < queue.length; q++) {
      for (const b of nbr[heavy[queue[q]!]!]!) {
        if (dist[b] === -1) { dist[b] = dist[queue[q]!]! + 1; queue.push(b); }
      }
    }
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const row = new Array<number>(PAIR_FEATURES).fill(0);
      const key = bondKey(heavy[i]!, heavy[j]!);
      row[order.get(key) ?? 0] = 1;
      const d = dist[j]!;
      row[5 + (d < 0 ? 4 : Math.min(d, 4) - 1)] = 1;
      row[10] = ring.has(key) ? 1 : 0;
      src.push(i);
      dst.push(j);
      attr.push(...row);
    }
  }
  return { src: Int32Array.from(src), dst: Int32Array.from(dst), attr: Float32Array.from(attr) };
}

/** A receptor prepared for the network: Cα positions, residue types and residue–residue edges. */
export interface ReceptorGraph {
  /** [residues, 3] Cα coordinates (residues without a Cα are left out). */
  ca: Float32Array;
  type: Int32Array;
  edges: { src: Int32Array; dst: Int32Array };
  /** Mean Cα: where blind docking starts its ligands. */
  center: Vec3;
}

/** The residues that are nodes of a receptor's graph, in node order (those with a Cα), with their Cα. */
export function graphResidues(rec: Receptor): { r: Residue; ca: Vec3 }[] {
  return rec.residues.flatMap((r) => { const ca = residueCA(r); return ca ? [{ r, ca }] : []; });
}

/** The residue graph: each residue linked to its `k` nearest residues within `cutoff` Å (both directions). */
export function receptorGraph(rec: Receptor, cutoff: number, k: number): ReceptorGraph {
  const kept = graphResidues(rec);
  if (kept.length === 0) throw new Error(`receptor ${rec.title || '(untitled)'} has no residue with a Cα atom`);
  const n = kept.length;
  const ca = new Float32Array(n * 3);
  kept.forEach(({ ca: p }, i) => ca.set(p, i * 3));
  const type = Int32Array.from(kept, ({ r }) => residueTypeIndex(r.name));
  const pairs = new Set<string>();
  for (let i = 0; i < n; i++) {
    const near: [number, number][] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const d = dist3(ca, i, ca, j);
      if (d <= cutoff) near.push([d, j]);
    }
    near.sort((a, b) => a[0] - b[0]);
    for (const [, j] of near.slice(0, k)) { pairs.add(`${i},${j}`); pairs.add(`${j},${i}`); }
  }
  const list = [...pairs].map((p) => p.split(',').map(Number) as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const center: Vec3 = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) center[c]! += ca[3 * i + c]! / n;
  return { ca, type, edges: { src: Int32Array.from(list, (p) => p[0]), dst: Int32Array.from(list, (p) => p[1]) }, center };
}

function dist3(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const dx = a[3 * i]! - b[3 * j]!, dy = a[3 * i + 1]! - b[3 * j + 1]!, dz = a[3 * i + 2]! - b[3 * j + 2]!;
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}

/**
 * The residues within `cutoff` Å of ligand atom i, written to out.r[0..n) (n returned): all of them
 * in residue order when they are at most k, else the k nearest, nearest first (ties in residue order).
 * `out` is scratch space of at least nR entries.
 */
function nearResidues(pos: Float64Array, i: number, ca: ArrayLike<number>, nR: number, cutoff: number, k: number,
  out: { d: Float64Array; r: Int32Array }): number {
  const { d, r } = out;
  let n = 0;
  for (let j = 0; j < nR; j++) {
    const dj = dist3(pos, i, ca, j);
    if (dj <= cutoff) { d[n] = dj; r[n] = j; n++; }
  }
  if (n <= k) return n;
  // Insertion into the sorted prefix [0, kept): it never overtakes the candidates still to be read.
  let kept = 0;
  for (let j = 0; j < n; j++) {
    const dj = d[j]!, rj = r[j]!;
    if (kept === k && dj >= d[k - 1]!) continue;
    let p = kept === k ? k - 1 : kept++;
    for (; p > 0 && d[p - 1]! > dj; p--) { d[p] = d[p - 1]!; r[p] = r[p - 1]!; }
    d[p] = dj; r[p] = rj;
  }
  return k;
}

/** One posed complex of a batch: a ligand at `coords` (all its atoms), its receptor, the time and σ_tr. */
export interface PosedComplex {
  lig: LigandGraph;
  rec: ReceptorGraph;
  coords: Float64Array;
  t: number;
  trSigma: number;
}

/**
 * Concatenates posed complexes into one graph for the score network. By default complexes of one
 * receptor share a single copy of its residues (residue states depend on the receptor alone:
 * src/docking/message-passing.ts), so a batch costs little more than its ligand atoms. With
 * `shareReceptors` false every complex gets its own copy, as pointer latents need (their classes
 * are each complex's own nodes: src/docking/pointers.ts). With `residueEdges` false the graph has
 * no residue → residue edges (recEdges null), for a network given cached residue states.
 */
export function complexBatch(items: PosedComplex[], m: DockingModelConfig, device: Device = 'cpu',
  o: { shareReceptors?: boolean; residueEdges?: boolean } = {}): ComplexGraph {
  const share = o.shareReceptors ?? true, residueEdges = o.residueEdges ?? true;
  const ligX: number[] = [], ligBatch: number[] = [], recX: number[] = [], recType: number[] = [], recBatch: number[] = [];
  const ligFeat: Float32Array[] = [], pairAttr: Float32Array[] = [];
  const pairSrc: number[] = [], pairDst: number[] = [], recSrc: number[] = [], recDst: number[] = [];
  const crossLig: number[] = [], crossRec: number[] = [], center: number[] = [], t: number[] = [];
  const torU: number[] = [], torV: number[] = [], torBatch: number[] = [], movTor: number[] = [], movAtom: number[] = [];
  const copies = new Map<ReceptorGraph, number>();
  let near = { d: new Float64Array(0), r: new Int32Array(0) };
  let lOff = 0, rOff = 0, tOff = 0;
  items.forEach(({ lig, rec, coords, t: time, trSigma }, b) => {
    const nL = lig.heavy.length, nR = rec.type.length;
    const pos = new Float64Array(nL * 3);
    lig.heavy.forEach((a, i) => { pos[3 * i] = coords[3 * a]!; pos[3 * i + 1] = coords[3 * a + 1]!; pos[3 * i + 2] = coords[3 * a + 2]!; });
    if (!pos.every(Number.isFinite)) throw new Error(`ligand ${lig.mol.title || '(untitled)'}: a pose has non-finite coordinates`);
    const c: Vec3 = [0, 0, 0];
    for (let i = 0; i < nL; i++) for (let k = 0; k < 3; k++) c[k]! += pos[3 * i + k]! / nL;
    ligX.push(...pos);
    ligFeat.push(lig.feat);
    for (let i = 0; i < nL; i++) ligBatch.push(b);
    lig.pairs.src.forEach((s, e) => { pairSrc.push(s + lOff); pairDst.push(lig.pairs.dst[e]! + lOff); });
    pairAttr.push(lig.pairs.attr);
    let recOff = share ? copies.get(rec) : undefined;
    if (recOff === undefined) {
      recOff = rOff;
      copies.set(rec, recOff);
      recX.push(...rec.ca);
      recType.push(...rec.type);
      for (let r = 0; r < nR; r++) recBatch.push(b);
      if (residueEdges) rec.edges.src.forEach((s, e) => { recSrc.push(s + rOff); recDst.push(rec.edges.dst[e]! + rOff); });
      rOff += nR;
    }
    const cutoff = m.crossCutoff + 3 * trSigma;
    if (near.d.length < nR) near = { d: new Float64Array(nR), r: new Int32Array(nR) };
    for (let i = 0; i < nL; i++) {
      const n = nearResidues(pos, i, rec.ca, nR, cutoff, m.crossNeighbours, near);
      for (let j = 0; j < n; j++) { crossLig.push(i + lOff); crossRec.push(near.r[j]! + recOff); }
    }
    center.push(...c);
    t.push(time);
    lig.torsions.forEach((tor, k) => {
      torU.push(tor.u + lOff); torV.push(tor.v + lOff); torBatch.push(b);
      for (const a of tor.moving) { movTor.push(k + tOff); movAtom.push(a + lOff); }
    });
    lOff += nL; tOff += lig.torsions.length;
  });
  const f32 = (v: ArrayLike<number>, shape: number[]) => tensor(Float32Array.from(v), { shape, dtype: 'float32', device });
  const i64 = (v: number[]) => tensor(v, { shape: [v.length], dtype: 'int64', device });
  return {
    nComplexes: items.length,
    ligX: f32(ligX, [lOff, 3]),
    ligFeat: f32(concat(ligFeat), [lOff, LIGAND_FEATURES]),
    ligBatch: i64(ligBatch),
    recX: f32(recX, [rOff, 3]),
    recType: i64(recType),
    recBatch: i64(recBatch),
    ligEdges: { src: i64(pairSrc), dst: i64(pairDst), attr: f32(concat(pairAttr), [pairSrc.length, PAIR_FEATURES]) },
    recEdges: residueEdges ? { src: i64(recSrc), dst: i64(recDst) } : null,
    crossEdges: { lig: i64(crossLig), rec: i64(crossRec) },
    center: f32(center, [items.length, 3]),
    t: f32(t, [items.length]),
    torsion: { u: i64(torU), v: i64(torV), batch: i64(torBatch) },
    moving: { torsion: i64(movTor), atom: i64(movAtom) },
  };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Frees every tensor of a ComplexGraph. */
export function disposeGraph(g: ComplexGraph): void {
  const all: Tensor[] = [g.ligX, g.ligFeat, g.ligBatch, g.recX, g.recType, g.recBatch, g.ligEdges.src, g.ligEdges.dst,
    g.ligEdges.attr, ...(g.recEdges ? [g.recEdges.src, g.recEdges.dst] : []), g.crossEdges.lig, g.crossEdges.rec, g.center, g.t, g.torsion.u,
    g.torsion.v, g.torsion.batch, g.moving.torsion, g.moving.atom];
  for (const x of all) x.dispose();
}
