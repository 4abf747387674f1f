/**
 * Measures docking on held-out complexes against their reference poses (the Vina modes of the
 * pose data set, and the crystal pose where there is one), with symmetry-corrected RMSD:
 * precision — the share of sampled poses within `threshold` Å of some reference mode; recall — the
 * share of a ligand's modes within `threshold` Å of some sample; top-1 — whether the top-ranked
 * pose is within `threshold` Å of the best-scoring mode (and of the crystal pose, for redocking).
 * The same measures of random poses are the baseline a model must beat.
 */
import { Generator } from '../engine/index.js';
import type { DockingConfig } from '../config/docking.js';
import { symmetricRmsdMany } from '../chem/rmsd.js';
import { centroid } from '../pose/rigid.js';
import { Rng } from '../pose/random.js';
import { randomizePose } from '../pose/update.js';
import { loadComplexes, type Complex } from '../docking/complexes.js';
import { writeTextAtomic } from '../io/index.js';
import { loadDockingPrior, loadDockingRun } from '../train/load-docking-run.js';
import { poseLatents, rankPoses, samplePoses } from '../docking/dock.js';
import { encoderCodes, type DockingLatentEncoder } from '../docking/latent-encoder.js';
import type { DockingLatentPrior } from '../docking/latent-prior.js';
import { uniformCodes } from '../docking/pointers.js';
import { drawMode } from '../train/docking.js';
import type { DockingScoreNet } from '../docking/score-net.js';

/** One complex's measures. */
export interface ComplexMetrics {
  id: string;
  receptor: string;
  source: string;
  modes: number;
  precision: number;
  recall: number;
  /** RMSD (Å) of the top-ranked pose to the best mode; to the crystal pose when the ligand has one. */
  top1Rmsd: number;
  top1CrystalRmsd: number | null;
  /** Smallest RMSD of any sample to the best mode. */
  bestRmsd: number;
  /** How far the modes the poses fall in are from the modes' weights (modeFrequencyDistance); null when no pose hits a mode. */
  modeDistance: number | null;
  seconds: number;
}

/**
 * The pointer latents of a DisCo-DiffDock model's poses: drawn from its prior; 'oracle', a draw of
 * the encoder's pointers on a reference mode drawn by the modes' weights for each pose (an upper
 * bound: the latents carry the mode); 'uniform', each latent uniform over the complex's nodes.
 */
export type LatentSource =
  | { kind: 'prior'; prior: DockingLatentPrior; logitScale: number }
  | { kind: 'oracle'; encoder: DockingLatentEncoder }
  | { kind: 'uniform'; m: number };

/**
 * Where poses come from: the model (with its latents' source, for a DisCo-DiffDock model), or a
 * random baseline ('blind': the sampler's prior; 'pocket': random poses about the best mode's
 * centre, σ 2 Å).
 */
export type PoseSource = { kind: 'model'; net: DockingScoreNet; latents?: LatentSource } | { kind: 'blind' } | { kind: 'pocket' };

/** The latent codes [n][m] of one complex's poses from `source`, or undefined for a DM. */
function codesFor(source: LatentSource | undefined, c: Complex, cfg: DockingConfig, net: DockingScoreNet, seed: number): number[][] | undefined {
  if (!source) return undefined;
  const rng = new Rng(seed ^ 0x2b7e1516);
  const n = cfg.sample.n;
  switch (source.kind) {
    case 'prior':
      return poseLatents(net, cfg, c.lig, c.rec, { seed, prior: { model: source.prior, logitScale: source.logitScale } }) as number[][];
    case 'oracle': {
      const generator = new Generator(seed ^ 0x3c6ef372);
      try {
        return encoderCodes(source.encoder, c.lig, c.rec, Array.from({ length: n }, () => drawMode(c, rng)), cfg, { generator });
      } finally {
        generator.dispose();
      }
    }
    case 'uniform':
      return uniformCodes(c.lig.heavy.length, c.rec.type.length, source.m, n, rng);
  }
}

/**
 * Total variation ½ Σ_k |f_k − w_k| between the modes the poses fall in and the modes' reference
 * weights w: f_k is the share of the poses within `thr` Å of some mode whose nearest mode is k
 * (d: poses × modes RMSD); null when no pose is within `thr` Å of a mode.
 */
export function modeFrequencyDistance(d: number[][], weights: number[], thr: number): number | null {
  const hits = d.filter((row) => Math.min(...row) < thr).map((row) => row.indexOf(Math.min(...row)));
  if (!hits.length) return null;
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.reduce((tv, w, k) => tv + Math.abs(hits.filter((h) => h === k).length / hits.length - w / total), 0) / 2;
}

/** The measures of `n` poses per complex from `source`, ranked by the config's ranker. */
export function evaluateDocking(cfg: DockingConfig, complexes: Complex[], source: PoseSource,
  o: { seed: number; threshold?: number; onComplex?: (m: ComplexMetrics, i: number) => void }): ComplexMetrics[] {
  const thr = o.threshold ?? 2;
  return complexes.map((c, i) => {
    const t0 = performance.now();
    const seed = (o.seed * 7919 + i) >>> 0;
    const latents = source.kind === 'model' ? codesFor(source.latents, c, cfg, source.net, seed) : undefined;
    const poses = source.kind === 'model' ? samplePoses(source.net, cfg, c.lig, c.rec, { seed, latents })
      : randomPoses(c, cfg, source.kind, seed);
    // Best first; refined when sample.refine > 0, so every measure is of the poses dock returns.
    const ranked = rankPoses(cfg, c.lig, c.receptor, poses).map((p) => p.coords);
    const seconds = (performance.now() - t0) / 1000;
    const refs = c.record.modes.map((m) => m.coords);
    // One pass of the automorphisms: every pose against every mode and, last, the crystal pose.
    const all = symmetricRmsdMany(c.record.mol, ranked, c.record.crystal ? [...refs, c.record.crystal] : refs);
    const d = all.map((row) => row.slice(0, refs.length));
    const topRow = all[0]!;
    const top = [topRow[0]!, ...(c.record.crystal ? [topRow[refs.length]!] : [])];
    const m: ComplexMetrics = {
      id: c.record.id, receptor: c.record.receptor, source: c.record.source, modes: refs.length,
      precision: d.filter((row) => Math.min(...row) < thr).length / poses.length,
      recall: refs.filter((_, k) => d.some((row) => row[k]! < thr)).length / refs.length,
      top1Rmsd: top[0]!, top1CrystalRmsd: c.record.crystal ? top[1]! : null,
      bestRmsd: Math.min(...d.map((row) => row[0]!)), modeDistance: modeFrequencyDistance(d, c.record.modes.map((k) => k.weight), thr),
      seconds,
    };
    o.onComplex?.(m, i);
    return m;
  });
}

function randomPoses(c: Complex, cfg: DockingConfig, kind: 'blind' | 'pocket', seed: number): Float64Array[] {
  const rng = new Rng(seed);
  const center = kind === 'blind' ? c.rec.center : centroid(c.record.modes[0]!.coords);
  const trSigma = kind === 'blind' ? cfg.diffusion.trSigmaMax : 2;
  return Array.from({ length: cfg.sample.n }, () => randomizePose(c.lig.mol.coords, c.lig.bonds, { center, trSigma }, rng, c.lig.heavy));
}

/** Means of the measures over complexes, the share with top-1 below the threshold, and with crystal ligands their share. */
export function summarizeDocking(ms: ComplexMetrics[], threshold = 2): Record<string, number> {
  const mean = (f: (m: ComplexMetrics) => number) => ms.reduce((s, m) => s + f(m), 0) / Math.max(ms.length, 1);
  const crystal = ms.filter((m) => m.top1CrystalRmsd !== null);
  return {
    complexes: ms.length,
    precision: mean((m) => m.precision),
    recall: mean((m) => m.recall),
    top1Below: mean((m) => (m.top1Rmsd < threshold ? 1 : 0)),
    oracleBelow: mean((m) => (m.bestRmsd < threshold ? 1 : 0)),
    medianTop1Rmsd: median(ms.map((m) => m.top1Rmsd)),
    modeDistance: mean((m) => m.modeDistance ?? 1),
    ...(crystal.length && { crystalTop1Below: crystal.filter((m) => m.top1CrystalRmsd! < threshold).length / crystal.length }),
    secondsPerComplex: mean((m) => m.seconds),
  };
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : NaN;
}

/** `eval` of a docking run: the test split's measures beside the blind random baseline, written to RUN/metrics.json. */
export function evaluateDockingRun(dir: string, o: { seed: number; limit?: number; steps?: number }): Record<string, unknown> {
  const L = loadDockingRun(dir);
  if (o.steps) L.cfg.sample.steps = o.steps;
  // A DisCo-DiffDock run docks with its prior's latents, as `dock` does.
  let prior: DockingLatentPrior | null = null;
  try {
    const { test } = loadComplexes(L.cfg);
    const complexes = o.limit ? test.slice(0, o.limit) : test;
    prior = L.encoder ? loadDockingPrior(L) : null;
    const latents: LatentSource | undefined = prior ? { kind: 'prior', prior, logitScale: L.cfg.latents.prior.logitScale } : undefined;
    const model = evaluateDocking(L.cfg, complexes, { kind: 'model', net: L.net, latents }, { seed: o.seed });
    const random = evaluateDocking(L.cfg, complexes, { kind: 'blind' }, { seed: o.seed });
    const out = { step: L.step, seed: o.seed, model: summarizeDocking(model), randomBlind: summarizeDocking(random), perComplex: model };
    writeTextAtomic(L.run.evalMetrics, JSON.stringify(out, null, 1));
    return out;
  } finally {
    prior?.dispose();
    L.net.dispose();
    L.encoder?.dispose();
  }
}
