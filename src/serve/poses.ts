/**
 * The docking page's job: poses of a test complex sampled under one latent source, refined and
 * ranked as the run's config says (src/docking/dock.ts), with what the 3-D view draws beside them:
 * the ligand's graph, the reference modes and crystal pose, the pocket, and the pointer nodes of
 * each distinct z among the poses.
 */
import { Generator } from '../engine/index.js';
import type { Complex } from '../docking/complexes.js';
import { poseLatents, rankPoses, samplePoses, type DockedPose } from '../docking/dock.js';
import { encoderCodes } from '../docking/latent-encoder.js';
import type { DockingLatentPrior } from '../docking/latent-prior.js';
import type { DockingConfig } from '../config/docking.js';
import type { DockingRun } from '../train/load-docking-run.js';
import type { Vec3 } from '../chem/molecule.js';
import { pocketPdb, pointerNode, type PointerNode } from './complex-view.js';
import type { PosesRequest } from './validate.js';

/** How far (Å) from the reference modes the pocket's residues reach. */
const POCKET_REACH = 10;

/** The served docking run: its networks, its prior (null without latents or Stage II) and the complexes the page picks from. */
export interface ServedDocking {
  L: DockingRun;
  prior: DockingLatentPrior | null;
  complexes: readonly Complex[];
}

/** The poses that share one z: its pointer nodes (placed on its best-ranked pose), how many, and their best score. */
export interface LatentGroup {
  /** Node indices, one per latent; null when the poses were sampled without latents. */
  z: number[] | null;
  pointers: PointerNode[];
  count: number;
  best: number | null;
}

export interface PosesResult {
  kind: 'poses';
  complex: { id: string; receptor: string; name: string };
  /** The ligand's heavy atoms and bonds [a, b, order] (Kekulé form, orders 1–3). */
  ligand: { elements: string[]; bonds: [number, number, number][] };
  /** Best first: coordinates (flat, Å), Vina score (kcal/mol; null unranked), rank, z and its index in `groups`. */
  poses: { coords: number[]; score: number | null; rank: number; latents: number[] | null; group: number }[];
  /** The reference poses (Vina modes), best affinity first. */
  modes: { coords: number[]; weight: number; affinity: number }[];
  crystal: number[] | null;
  /** The receptor's residues within 10 Å of any reference-mode atom, as PDB text. */
  pocket: string;
  /** The distinct z among the poses, in the order their best poses rank. */
  groups: LatentGroup[];
  seconds: number;
}

/** Samples, refines and ranks the poses of one request. */
export function dockPoses(S: ServedDocking, r: PosesRequest, progress: (done: number, total: number) => void): PosesResult {
  const t0 = performance.now();
  const c = S.complexes[r.complex];
  if (!c) throw new Error(`complex: no complex ${r.complex} (the run has ${S.complexes.length})`);
  const cfg: DockingConfig = { ...S.L.cfg, sample: { ...S.L.cfg.sample, n: r.n, steps: r.steps } };
  const latents = requestLatents(S, c, cfg, r);
  const sampled = samplePoses(S.L.net, cfg, c.lig, c.rec, { seed: r.seed, latents, onStep: progress });
  const poses = rankPoses(cfg, c.lig, c.receptor, sampled, latents);
  const { groups, groupOf } = latentGroups(c, poses);
  const { record, lig } = c;
  return {
    kind: 'poses', complex: { id: record.id, receptor: record.receptor, name: record.name },
    ligand: { elements: lig.mol.atoms.map((a) => a.element), bonds: lig.mol.bonds.map((b) => [b.a, b.b, b.order]) },
    poses: poses.map((p, i) => ({ coords: rounded(p.coords), score: p.score === null ? null : round(p.score), rank: p.rank,
      latents: p.latents ? [...p.latents] : null, group: groupOf[i]! })),
    modes: record.modes.map((m) => ({ coords: rounded(m.coords), weight: round(m.weight), affinity: m.affinity })),
    crystal: record.crystal ? rounded(record.crystal) : null,
    pocket: pocketPdb(c.receptor, record.modes.map((m) => m.coords), POCKET_REACH),
    groups, seconds: (performance.now() - t0) / 1000,
  };
}

/** The z of each of the request's poses ([n][m]), or undefined for none (latents dropped, or a DM). */
function requestLatents(S: ServedDocking, c: Complex, cfg: DockingConfig, r: PosesRequest): readonly (readonly number[])[] | undefined {
  const { L } = S, z = r.z;
  if (z.kind === 'none') return undefined;
  if (!L.encoder) throw new Error("z: this run is a docking DM without latents: use { kind: 'none' }");
  const same = (codes: readonly number[]) => Array.from({ length: r.n }, () => codes);
  switch (z.kind) {
    case 'prior': {
      if (!S.prior) throw new Error('z: this run has no trained prior (run `disco-diff train-prior`)');
      const prior = { model: S.prior, logitScale: L.cfg.latents.prior.logitScale };
      return poseLatents(L.net, cfg, c.lig, c.rec, { seed: r.latentSeed, prior });
    }
    case 'mode': {
      const mode = c.record.modes[z.mode];
      if (!mode) throw new Error(`z.mode: ${c.record.id} has ${c.record.modes.length} reference modes`);
      const generator = new Generator(r.latentSeed);
      try {
        return encoderCodes(L.encoder, c.lig, c.rec, Array.from({ length: r.n }, () => mode.coords), cfg, { generator });
      } finally {
        generator.dispose();
      }
    }
    case 'nodes': return same(z.nodes);
  }
}

/**
 * The distinct z of ranked poses (first the best pose's), each with its pointer nodes placed on its
 * best-ranked pose, and the index of each pose's z among them.
 */
function latentGroups(c: Complex, poses: readonly DockedPose[]): { groups: LatentGroup[]; groupOf: number[] } {
  const index = new Map<string, number>(), groups: LatentGroup[] = [];
  const groupOf = poses.map((p) => {
    const key = p.latents?.join(',') ?? '';
    let i = index.get(key);
    if (i === undefined) {
      index.set(key, i = groups.length);
      const z = p.latents ? [...p.latents] : null;
      const pointers = (z ?? []).map((node) => pointerNode(c, node, p.coords)).map((q) => ({ ...q, coord: q.coord.map(round) as Vec3 }));
      groups.push({ z, pointers, count: 0, best: null });
    }
    const g = groups[i]!;
    g.count++;
    if (p.score !== null && (g.best === null || p.score < g.best)) g.best = round(p.score);
    return i;
  });
  return { groups, groupOf };
}

/** A value at 3 decimals (the PDB's precision; JSON for the page stays small). */
function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function rounded(coords: Float64Array | readonly number[]): number[] {
  return Array.from(coords, round);
}
