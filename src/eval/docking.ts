/**
 * Measures docking on held-out complexes against their reference poses (the Vina modes of the
 * pose data set, and the crystal pose where there is one), with symmetry-corrected RMSD:
 * precision — the share of sampled poses within `threshold` Å of some reference mode; recall — the
 * share of a ligand's modes within `threshold` Å of some sample; top-1 — whether the top-ranked
 * pose is within `threshold` Å of the best-scoring mode (and of the crystal pose, for redocking).
 * The same measures of random poses are the baseline a model must beat.
 */
import type { DockingConfig } from '../config/docking.js';
import { symmetricRmsdMany } from '../chem/rmsd.js';
import { centroid } from '../pose/rigid.js';
import { Rng } from '../pose/random.js';
import { randomizePose } from '../pose/update.js';
import { loadComplexes, type Complex } from '../docking/complexes.js';
import { writeTextAtomic } from '../io/index.js';
import { loadDockingRun } from '../train/load-docking-run.js';
import { rankPoses, samplePoses } from '../docking/dock.js';
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
  seconds: number;
}

/** Where poses come from: the model, or a random baseline ('blind': the sampler's prior; 'pocket': random poses about the best mode's centre, σ 2 Å). */
export type PoseSource = { kind: 'model'; net: DockingScoreNet } | { kind: 'blind' } | { kind: 'pocket' };

/** The measures of `n` poses per complex from `source`, ranked by the config's ranker. */
export function evaluateDocking(cfg: DockingConfig, complexes: Complex[], source: PoseSource,
  o: { seed: number; threshold?: number; onComplex?: (m: ComplexMetrics, i: number) => void }): ComplexMetrics[] {
  const thr = o.threshold ?? 2;
  return complexes.map((c, i) => {
    const t0 = performance.now();
    const seed = (o.seed * 7919 + i) >>> 0;
    const poses = source.kind === 'model' ? samplePoses(source.net, cfg, c.lig, c.rec, { seed })
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
      bestRmsd: Math.min(...d.map((row) => row[0]!)), seconds,
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
  try {
    const { test } = loadComplexes(L.cfg);
    const complexes = o.limit ? test.slice(0, o.limit) : test;
    const model = evaluateDocking(L.cfg, complexes, { kind: 'model', net: L.net }, { seed: o.seed });
    const random = evaluateDocking(L.cfg, complexes, { kind: 'blind' }, { seed: o.seed });
    const out = { step: L.step, seed: o.seed, model: summarizeDocking(model), randomBlind: summarizeDocking(random), perComplex: model };
    writeTextAtomic(L.run.evalMetrics, JSON.stringify(out, null, 1));
    return out;
  } finally {
    L.net.dispose();
  }
}
