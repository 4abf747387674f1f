/**
 * Docking one ligand into one receptor: `n` poses drawn from the prior (uniform torsions and
 * rotation, centre ~ N(c, σ_tr,max² I) with c the receptor's centre — blind docking — or a given
 * pocket centre), the reverse pose diffusion (src/pose/sampler.ts), optionally refined on Vina's
 * energy (src/docking/refine.ts), then ranked by Vina's scoring function (src/docking/vina-score.ts)
 * or left in sample order.
 */
import { Generator, type Device } from '../engine/index.js';
import type { Molecule, Vec3 } from '../chem/molecule.js';
import type { Receptor } from '../chem/receptor.js';
import type { DockingConfig } from '../config/docking.js';
import { symmetricRmsdMany } from '../chem/rmsd.js';
import { Rng } from '../pose/random.js';
import { centroid } from '../pose/rigid.js';
import { randomizePose } from '../pose/update.js';
import { reversePoseDiffusion } from '../pose/sampler.js';
import { ligandGraph, receptorGraph, type LigandGraph, type ReceptorGraph } from './featurize.js';
import { poseScorer } from './model.js';
import type { DockingScoreNet } from './score-net.js';
import { samplePriorCodes, type DockingLatentPrior } from './latent-prior.js';
import { prepareReceptorForScoring, scorePoses } from './vina-score.js';
import { refineLigand, refinePoses } from './refine.js';

/** Options of dock (the sampling section of the config gives the rest). */
export interface DockOptions {
  seed: number;
  /** Pocket centre (Å); default: the receptor's centre (blind docking). */
  center?: Vec3;
  /** Edge (Å) of a cubic box about `center`: poses whose ligand centre lies outside rank after those inside. */
  box?: number;
  /** Called after each reverse step. */
  onStep?: (step: number, steps: number) => void;
  /**
   * A network with pointer latents (DisCo-DiffDock): the codes of each pose ([n][m], classes as in
   * src/docking/pointers.ts), or the prior that draws them, one z per pose at the prior's logit
   * scale. Neither: every pose unconditional (the learned null latents).
   */
  latents?: readonly (readonly number[])[];
  prior?: { model: DockingLatentPrior; logitScale: number };
}

/** The pointer latents of `n` poses: `o.latents` as given, drawn from `o.prior`, or none. */
export function poseLatents(net: DockingScoreNet, cfg: DockingConfig, lig: LigandGraph, rec: ReceptorGraph, o: DockOptions,
  device: Device = 'cpu'): readonly (readonly number[])[] | undefined {
  if (o.latents || !o.prior) return o.latents;
  // Their own streams (the placements' and the Gumbel noise's), so the draws follow the seed alone and
  // the poses' noise is the same whatever the latents.
  const generator = new Generator(o.seed + 0x5eed);
  try {
    return samplePriorCodes(o.prior.model, net, { lig, rec, center: o.center ?? rec.center }, cfg,
      { n: cfg.sample.n, logitScale: o.prior.logitScale, rng: new Rng(o.seed + 0x5eed), generator, device });
  } finally {
    generator.dispose();
  }
}

/**
 * One docked pose: coordinates of all the ligand's atoms, its Vina-like score (kcal/mol; null
 * unranked), rank (1 = best) and, with pointer latents, the codes it was sampled under.
 */
export interface DockedPose {
  coords: Float64Array;
  score: number | null;
  rank: number;
  latents?: readonly number[];
}

/** Samples and ranks poses of `ligand` in `receptor` with a trained score network. */
export function dock(net: DockingScoreNet, cfg: DockingConfig, ligand: Molecule, receptor: Receptor, o: DockOptions,
  device: Device = 'cpu'): DockedPose[] {
  const lig = ligandGraph(ligand);
  const rec = receptorGraph(receptor, cfg.model.recCutoff, cfg.model.recNeighbours);
  if (o.box !== undefined && !o.center) throw new Error('a pocket box needs a pocket centre');
  const latents = poseLatents(net, cfg, lig, rec, o, device);
  const poses = samplePoses(net, cfg, lig, rec, { ...o, latents }, device);
  const ranked = rankPoses(cfg, lig, receptor, poses, latents);
  if (o.box === undefined || !o.center) return ranked;
  const inside = (p: DockedPose) => centroid(p.coords, lig.heavy).every((x, k) => Math.abs(x - o.center![k]!) <= o.box! / 2);
  return [...ranked.filter(inside), ...ranked.filter((p) => !inside(p))].map((p, i) => ({ ...p, rank: i + 1 }));
}

/** The sampled poses of a prepared ligand and receptor, in sample order. */
export function samplePoses(net: DockingScoreNet, cfg: DockingConfig, lig: LigandGraph, rec: ReceptorGraph, o: DockOptions,
  device: Device = 'cpu'): Float64Array[] {
  const rng = new Rng(o.seed);
  const center = o.center ?? rec.center;
  if (o.center && !hasResidueNear(rec, o.center, POCKET_REACH)) {
    throw new Error(`the receptor has no residue within ${POCKET_REACH} Å of the pocket centre ${o.center.join(',')}`);
  }
  const init = Array.from({ length: cfg.sample.n },
    () => randomizePose(lig.mol.coords, lig.bonds, { center, trSigma: cfg.diffusion.trSigmaMax }, rng, lig.heavy));
  const wasTraining = net.training;
  net.eval();
  try {
    const latents = o.latents;
    if (latents && latents.length !== cfg.sample.n) throw new Error(`dock: ${latents.length} latent codes for ${cfg.sample.n} poses`);
    const scorer = poseScorer(net, lig, rec, cfg, device, latents);
    try {
      return reversePoseDiffusion(init, lig.bonds, cfg.diffusion, {
        steps: cfg.sample.steps, sampler: cfg.sample.sampler, rng, score: scorer.score, atoms: lig.heavy,
        onStep: (s) => o.onStep?.(s, cfg.sample.steps),
      });
    } finally {
      scorer.dispose();
    }
  } finally {
    if (wasTraining) net.train();
  }
}

/** How far (Å) from a given pocket centre the nearest Cα may be. */
const POCKET_REACH = 20;

function hasResidueNear(rec: ReceptorGraph, c: Vec3, reach: number): boolean {
  for (let i = 0; i < rec.type.length; i++) {
    if (Math.hypot(rec.ca[3 * i]! - c[0], rec.ca[3 * i + 1]! - c[1], rec.ca[3 * i + 2]! - c[2]) <= reach) return true;
  }
  return false;
}

/** Receptors typed for Vina's scoring function, kept while their Receptor lives. */
const scoringReceptors = new WeakMap<Receptor, ReturnType<typeof prepareReceptorForScoring>>();

/** How many other poses within 2 Å (symmetry-corrected RMSD) make a pose's support in the 'density' ranker. */
const SUPPORT_RMSD = 2;

/**
 * Refines the poses on Vina's energy when `sample.refine` > 0 (src/docking/refine.ts), then ranks
 * them (best first): 'vina' by Vina's scoring function; 'density' by support — how many of the
 * other poses lie within 2 Å, the sampled distribution's densest region — then by Vina score;
 * 'none' keeps the sample order. Every ranker but 'none' reports the Vina score.
 */
export function rankPoses(cfg: DockingConfig, lig: LigandGraph, receptor: Receptor, sampled: Float64Array[],
  latents?: readonly (readonly number[])[]): DockedPose[] {
  let prepared = scoringReceptors.get(receptor);
  if (!prepared && (cfg.sample.refine > 0 || cfg.sample.ranker !== 'none')) {
    scoringReceptors.set(receptor, prepared = prepareReceptorForScoring(receptor));
  }
  const poses = cfg.sample.refine > 0
    ? refinePoses(prepared!, refineLigand(lig.mol, lig.bonds, lig.heavy), sampled, { iterations: cfg.sample.refine }).map((r) => r.coords)
    : sampled;
  const z = (i: number) => (latents ? { latents: latents[i]! } : {});
  if (cfg.sample.ranker === 'none') return poses.map((coords, i) => ({ coords, score: null, rank: i + 1, ...z(i) }));
  const scores = scorePoses(prepared!, lig.mol, poses, lig.bonds.length);
  const support = cfg.sample.ranker === 'density'
    ? symmetricRmsdMany(lig.mol, poses, poses).map((row) => row.filter((d) => d < SUPPORT_RMSD).length - 1)
    : poses.map(() => 0);
  return poses.map((coords, i) => ({ coords, score: scores[i]!, support: support[i]!, i }))
    .sort((a, b) => b.support - a.support || a.score - b.score)
    .map(({ coords, score, i }, r) => ({ coords, score, rank: r + 1, ...z(i) }));
}
