/**
 * Evaluation of a vector run (toy or array data, points of any dimension D; DisCo-Diff, Xu et al.
 * 2024, App. F) against reference points: for a toy set, fresh i.i.d. data from the same generator;
 * for an array, two disjoint random subsets of the data file (so W2 is measured against training
 * points). W2 at n samples next to its finite-sample floor W2(reference, reference), each the mean
 * over W2_DRAWS independent draws of samples and reference points with its spread; for known
 * mixtures the same within modes (which the mode-weight lottery does not move), off-mode fraction
 * and mode weights; latent purity (known components), ODE curvature and
 * Jacobian norm along trajectories, loss vs σ, and the AR prior's share of sampling time.
 */
import { Generator, keep, randperm, stack, tidy, type Tensor } from '../engine/index.js';
import { makeToy } from '../data/toy.js';
import { loadArrayData } from '../data/array.js';
import type { DataConfig } from '../config/schema.js';
import { generate, type Generated } from '../disco/sample.js';
import type { ProcessGroup } from '../parallel/group.js';
import { oneHotCodes } from '../disco/gumbel.js';
import { latentDenoiser } from '../disco/denoiser.js';
import { edmSigmas } from '../edm/schedule.js';
import { loadPrior, loadRun, type LoadedRun } from '../train/load-run.js';
import { w2Auto, type W2Kind } from '../metrics/ot.js';
import { repeated } from '../metrics/repeats.js';
import { codeStats, latentPurity, mixtureFromLabels, modeStats, withinModeW2, type MixtureModes } from '../metrics/modes.js';
import { edmVelocity, odeCurvature, type TimeSeries } from '../metrics/curvature.js';
import { jacobianNorm } from '../metrics/jacobian.js';
import { lossVsSigma, sigmaGrid } from './loss-vs-sigma.js';
import { LOW_NFE } from './low-nfe.js';

/** What `eval` measures on a vector run. */
export interface ToyMetrics {
  run: string;
  /** The training data: a toy set's name or `array:PATH`, and the points' dimension D. */
  data: string;
  dim: number;
  latents: boolean;
  steps: number;
  /** Samples and reference points per set (array data: at most half the data file's points). */
  n: number;
  /**
   * W2(model samples, reference) and the floor W2(reference, other reference): means over `w2Draws`
   * draws of new samples and new reference points, and their standard deviations over the draws.
   */
  w2: number;
  w2Spread: number;
  w2Floor: number;
  w2FloorSpread: number;
  w2Draws: number;
  /** W2 and the floor per draw (the same reference draws for every run evaluated with the same seed and n). */
  w2ByDraw: number[];
  w2FloorByDraw: number[];
  /** Which W2 these are: exact (D ≤ EXACT_W2_MAX_DIM) or sliced. */
  w2Kind: W2Kind;
  /** The reference points: fresh draws of a toy set, or disjoint subsets of the training points (array data). */
  w2Reference: ReferenceSource;
  /**
   * For Gaussian mixtures, W2 within the modes (`withinModeW2`: each mode's points against the
   * reference's there, averaged by the true weights), which the lottery of how many points each
   * mode holds does not move, and its floor: means and spreads over the same draws as `w2`.
   */
  w2Modes: number | null;
  w2ModesSpread: number | null;
  w2ModesFloor: number | null;
  w2ModesFloorSpread: number | null;
  w2ModesByDraw: number[] | null;
  /**
   * For Gaussian mixtures (a toy set's, or a labelled array's components): samples farther than 5σ
   * from every mode, and mode weights.
   */
  offMode: number | null;
  maxWeightError: number | null;
  missingModes: number | null;
  modeWeights: number[] | null;
  /**
   * How well the encoder's codes match the true components (DisCo-Diff on mixtures or labelled
   * arrays): purity (each code's members from one component) and inverse purity (each component's
   * points in one code).
   */
  purity: number | null;
  inversePurity: number | null;
  codesUsed: number | null;
  codeEntropy: number | null;
  /**
   * E[κ] per sampler σ (relative finite-difference step), the scale-free turning per unit ln σ, and
   * its mean over σ (E[κ] itself spans decades between σ_max and σ_min, so its mean says little).
   */
  curvature: TimeSeries;
  turning: TimeSeries;
  turningMean: number;
  /** W2 (of kind w2Kind) to the first draw's reference at low NFE, keyed as LOW_NFE (`heun5`, `restart3+2x1`, …). */
  lowNfe: Record<string, number>;
  jacobian: TimeSeries;
  lossVsSigma: { sigma: number[]; loss: number[] };
  nfe: number;
  sampleSeconds: number;
  priorSeconds: number;
  /** AR prior time / total sampling time. */
  priorShare: number;
}

/** Samples and trajectories kept for the figures. Dispose when done. */
export interface ToyArtifacts {
  samples: Tensor;
  codes: Tensor | null;
  /** [T, M, D] states of M trajectories at the sampler's σ_i. */
  trajectories: Tensor;
  trajectoryCodes: Tensor | null;
  /** The reference points [n, D] and their components (null when unknown). */
  data: Tensor;
  dataLabels: Tensor | null;
  dispose(): void;
}

/**
 * Draws of samples and reference points that W2 and its floor average over. At n = 4000 on 8
 * Gaussians one draw's mode weights (a multinomial lottery) move W2 by about as much as the gap
 * between the models: two evaluations of the same runs gave DisCo-Diff 0.41 and 0.28.
 */
export const W2_DRAWS = 5;

/** Sample count, seed and evaluation settings of a vector run. */
export interface ToyEvalOptions {
  n?: number;
  seed?: number;
  /** Draws of samples and reference points for W2 and its floor (W2_DRAWS). */
  draws?: number;
  /** The LOW_NFE settings to measure (default: all). */
  lowNfe?: string[];
  /** Trajectories used for curvature, Jacobian norms and drawing. */
  trajectories?: number;
  /** A data-parallel group: the samples are drawn by all ranks together (`generate`). */
  group?: ProcessGroup | null;
}

/** Evaluates a vector run: its metrics and the arrays the figures draw. */
export function evaluateToyRun(dir: string, o: ToyEvalOptions = {}): { metrics: ToyMetrics; artifacts: ToyArtifacts } {
  const L = loadRun(dir);
  const seed = o.seed ?? 0, M = o.trajectories ?? 200, group = o.group ?? null;
  // The artifacts' tensors become the caller's on success and are freed on a throw; the rest are freed either way.
  const kept: (Tensor | null | undefined)[] = [], temp: (Tensor | null | undefined)[] = [];
  const lossGen = new Generator(seed + 7);
  let refs: ReturnType<typeof referenceDraws> | null = null, prior: ReturnType<typeof loadPrior> | null = null;
  try {
    refs = referenceDraws(dir, L.cfg.data, o.n ?? 4000, seed);
    const ref = refs.draw(0);
    const { n, a, b, mix } = ref;
    kept.push(a, ref.labels);
    temp.push(b);
    prior = L.model.encoder ? loadPrior(L.run, L.cfg, 0) : null;
    const codePrior = prior && { model: prior, temperature: L.cfg.prior.temperature };
    const sampled = (n: number, seed: number, sample = L.cfg.sample) => {
      const g = generate(L.model, L.info, { n, seed, sample, prior: codePrior, group });
      temp.push(g.x, g.codes);
      return g;
    };
    const gen = generate(L.model, L.info, { n, seed, sample: L.cfg.sample, prior: codePrior, group });
    kept.push(gen.x, gen.codes);
    const traj = generate(L.model, L.info, { n: M, seed: seed + 1, sample: L.cfg.sample, prior: codePrior, keepTrajectory: true, group });
    kept.push(traj.codes);
    temp.push(traj.x, ...traj.trajectory);
    const modes = mix ? modeStats(gen.x, mix.centers, mixtureModes(mix)) : null;
    const codes = L.model.encoder ? L.model.extractLatents(a).codes : null;
    const joint = codes ? jointCodes(codes, L.cfg.latents.k) : null;
    temp.push(codes, joint);
    const flow = flowStats(L, traj);
    const lowNfe = Object.fromEntries(Object.entries(LOW_NFE).filter(([key]) => !o.lowNfe || o.lowNfe.includes(key))
      .map(([key, setting]) => [key, w2Auto(sampled(n, seed, { ...L.cfg.sample, ...setting }).x, a).value]));
    const lvs = sigmaGrid();
    const main = w2Auto(gen.x, a);
    const key = (kind: string, r: number) => `${kind}|${JSON.stringify(L.cfg.data)}|${n}|${seed}|${r}`;
    const floorOf = (r: number, d: Reference) => cachedFloor(key('w2', r), () => w2Auto(d.b, d.a).value);
    const modesOf = (x: Tensor, d: Reference) => withinModeW2(x, d.a, mixtureModes(d.mix!)).w2;
    const modesFloorOf = (r: number, d: Reference) => cachedFloor(key('modes', r), () => modesOf(d.b, d));
    const w2 = [main.value], floor = [floorOf(0, ref)];
    const wm = mix ? [modesOf(gen.x, ref)] : null, wmFloor = mix ? [modesFloorOf(0, ref)] : null;
    for (let r = 1; r < (o.draws ?? W2_DRAWS); r++) {
      const d = refs.draw(r);
      temp.push(d.a, d.b, d.labels);
      const g = sampled(d.n, drawSeed(seed, r));
      w2.push(w2Auto(g.x, d.a).value);
      floor.push(floorOf(r, d));
      wm?.push(modesOf(g.x, d));
      wmFloor?.push(modesFloorOf(r, d));
    }
    const [W, F] = [repeated(w2), repeated(floor)];
    const [WM, WMF] = [wm && repeated(wm), wmFloor && repeated(wmFloor)];
    const purity = joint && ref.labels ? latentPurity(joint, ref.labels) : null;
    const metrics: ToyMetrics = {
      run: dir, data: ref.name, dim: a.size(1),
      latents: !!L.model.encoder, steps: L.step, n,
      w2: W.mean, w2Spread: W.sd, w2Floor: F.mean, w2FloorSpread: F.sd, w2Draws: W.draws, w2ByDraw: w2, w2FloorByDraw: floor, w2Kind: main.kind, w2Reference: ref.source,
      w2Modes: WM?.mean ?? null, w2ModesSpread: WM?.sd ?? null, w2ModesFloor: WMF?.mean ?? null,
      w2ModesFloorSpread: WMF?.sd ?? null, w2ModesByDraw: wm,
      offMode: modes?.offModeFraction ?? null, maxWeightError: modes?.maxWeightError ?? null,
      missingModes: modes?.missingModes ?? null, modeWeights: modes?.weights ?? null,
      purity: purity?.purity ?? null, inversePurity: purity?.inversePurity ?? null,
      codesUsed: joint ? codeStats(joint).used : null, codeEntropy: joint ? codeStats(joint).entropy : null,
      ...flow, lowNfe,
      lossVsSigma: { sigma: lvs, loss: lossVsSigma(L.model, a, lvs, { generator: lossGen }) },
      nfe: gen.nfe, sampleSeconds: gen.seconds.prior + gen.seconds.diffusion, priorSeconds: gen.seconds.prior,
      priorShare: gen.seconds.prior / (gen.seconds.prior + gen.seconds.diffusion),
    };
    const trajectories = keep(stack(traj.trajectory, 0).to({ dtype: 'float32' }));
    kept.push(trajectories);
    const artifacts: ToyArtifacts = {
      samples: gen.x, codes: gen.codes, trajectories, trajectoryCodes: traj.codes, data: a, dataLabels: ref.labels,
      dispose() {
        for (const t of [gen.x, gen.codes, trajectories, traj.codes, a, ref.labels]) t?.dispose();
      },
    };
    return { metrics, artifacts };
  } catch (e) {
    for (const t of kept) t?.dispose();
    throw e;
  } finally {
    for (const t of temp) t?.dispose();
    refs?.dispose();
    prior?.dispose();
    lossGen.dispose();
    L.model.dispose();
  }
}

/** Where the reference points come from: a toy set's generator, or the training points of an array. */
export type ReferenceSource = 'fresh' | 'training';

/** Two disjoint sets of n reference points [n, D], the first one's components, and the mixture if known. */
interface Reference {
  /** The data set's name (a toy set's, or `array:PATH`). */
  name: string;
  n: number;
  a: Tensor;
  b: Tensor;
  labels: Tensor | null;
  source: ReferenceSource;
  /** The mixture: a toy set's own, or the one a labelled array's components describe (their means and covariances). */
  mix: { centers: number[][]; std?: number; weights?: number[]; covariances?: number[][][] } | null;
}

/**
 * The floors computed in this process, by data, n, seed and draw: a pair of runs on the same data
 * (the demo, the benches) shares its reference draws, so the second run reuses the first's floors.
 */
const floors = new Map<string, number>();
function cachedFloor(key: string, compute: () => number): number {
  if (!floors.has(key)) floors.set(key, compute());
  return floors.get(key)!;
}

/** A reference's mixture as the mode metrics take it. */
const mixtureModes = (mix: NonNullable<Reference['mix']>): MixtureModes =>
  ({ centers: mix.centers, std: mix.std, trueWeights: mix.weights, covariances: mix.covariances });

/** The seed of draw r of an evaluation with `seed` (draw 0 uses the seed itself). */
const drawSeed = (seed: number, r: number) => seed + 104_729 * r;

/**
 * The reference points of each draw r. A toy set: two fresh i.i.d. draws of n points. An array
 * (read once for all draws): two disjoint random subsets of its points, of n each or, when the file
 * holds fewer than 2n, ⌊N/2⌋ each. Dispose when the draws are taken.
 */
function referenceDraws(dir: string, data: DataConfig, n: number, seed: number): { draw(r: number): Reference; dispose(): void } {
  if (data.kind === 'toy') {
    const fresh = (from: number) => {
      const g = new Generator(from);
      try { return makeToy(data.name, n, g, { iid: true }); } finally { g.dispose(); }
    };
    return {
      draw: (r) => {
        const s = drawSeed(seed, r);
        const [a, b] = [fresh(1_000_003 + s), fresh(2_000_003 + s)];
        b.labels.dispose();
        const mix = a.centers && a.std !== undefined ? { centers: a.centers, std: a.std, weights: a.weights, covariances: a.covariances } : null;
        return { name: data.name, n, a: a.x, b: b.x, labels: a.labels, source: 'fresh', mix };
      },
      dispose: () => {},
    };
  }
  if (data.kind !== 'array') throw new Error(`${dir} is not a vector (toy or array) run (data.kind = ${data.kind})`);
  const d = loadArrayData(data);
  const N = d.x.size(0), m = Math.min(n, Math.floor(N / 2));
  const labelled = d.components ? mixtureFromLabels(d.x, d.components) : null;
  const mix = labelled && { centers: labelled.centers, covariances: labelled.covariances, weights: labelled.trueWeights };
  const dispose = () => { d.x.dispose(); d.components?.dispose(); };
  if (m < 1) {
    dispose();
    throw new Error(`data.path: ${data.path}: holds a single point; eval needs at least 2 (two disjoint sets of reference points)`);
  }
  return {
    draw: (r) => {
      const g = new Generator(3_000_017 + drawSeed(seed, r));
      try {
        return tidy((): Reference => {
          const perm = randperm(N, { generator: g });
          const pick = (t: Tensor, from: number) => t.indexSelect(0, perm.slice(0, from, from + m));
          const labels = d.components ? pick(d.components, 0) : null;
          return { name: d.name, n: m, a: pick(d.x, 0), b: pick(d.x, m), labels, source: 'training', mix };
        });
      } finally {
        g.dispose();
      }
    },
    dispose,
  };
}

/** ODE curvature and Jacobian norm along the kept trajectories, under the same latents. */
function flowStats(L: LoadedRun, traj: Generated):
  { curvature: TimeSeries; turning: TimeSeries; turningMean: number; jacobian: TimeSeries } {
  const sigmas = edmSigmas(L.cfg.sample.steps, L.cfg.sample);
  const latents = traj.codes && L.model.encoder ? oneHotCodes(traj.codes, L.model.encoder.k) : null;
  const D = latentDenoiser(L.model.denoiser, { latents }, L.cfg.sample.guidance); // the denoiser the trajectories were sampled with
  const G = edmVelocity(D);
  const states = traj.trajectory.slice(0, -1).map((x, i) => ({ t: sigmas[i]!, x }));
  const curvature = odeCurvature(G, states);
  const turning = odeCurvature(G, states, { measure: 'turning' });
  const jacobian = jacobianNorm(G, states);
  latents?.dispose();
  const turningMean = turning.value.reduce((s, v) => s + v, 0) / Math.max(1, turning.value.length);
  return { curvature, turning, turningMean, jacobian };
}

/** m codes [N, m] → one integer per sample (Σ z_i k^i), for purity over the joint code. */
function jointCodes(codes: Tensor, k: number): Tensor {
  return tidy(() => {
    const m = codes.size(1);
    let joint = codes.select(1, 0);
    for (let i = 1; i < m; i++) joint = joint.add(codes.select(1, i).mul(k ** i));
    return joint;
  });
}
