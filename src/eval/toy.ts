/**
 * Evaluation of a 2-D run (DisCo-Diff, Xu et al. 2024, App. F) against fresh i.i.d. data from the same generator:
 * exact W2 at n samples next to its finite-sample floor W2(fresh, fresh), off-mode fraction and
 * mode weights, latent purity, ODE curvature and Jacobian norm along trajectories, loss vs σ, and
 * the AR prior's share of sampling time.
 */
import { Generator, keep, stack, tidy, type Tensor } from '../engine/index.js';
import { makeToy } from '../data/toy.js';
import { generate, type Generated } from '../disco/sample.js';
import type { ProcessGroup } from '../parallel/group.js';
import { oneHotCodes } from '../disco/gumbel.js';
import { latentDenoiser } from '../disco/denoiser.js';
import { edmSigmas } from '../edm/schedule.js';
import { loadPrior, loadRun, type LoadedRun } from '../train/load-run.js';
import { w2 } from '../metrics/ot.js';
import { codeStats, latentPurity, modeStats } from '../metrics/modes.js';
import { edmVelocity, odeCurvature, type TimeSeries } from '../metrics/curvature.js';
import { jacobianNorm } from '../metrics/jacobian.js';
import { lossVsSigma, sigmaGrid } from './loss-vs-sigma.js';
import { LOW_NFE } from './low-nfe.js';

/** What `eval` measures on a 2-D run. */
export interface ToyMetrics {
  run: string;
  latents: boolean;
  steps: number;
  n: number;
  /** Exact W2(model samples, fresh data) and the floor W2(fresh data, fresh data). */
  w2: number;
  w2Floor: number;
  /** For Gaussian mixtures: samples farther than 5σ from every mode, and mode weights. */
  offMode: number | null;
  maxWeightError: number | null;
  missingModes: number | null;
  modeWeights: number[] | null;
  /** How well the encoder's codes match the true components (DisCo-Diff on mixtures). */
  purity: number | null;
  codesUsed: number | null;
  codeEntropy: number | null;
  /**
   * E[κ] per sampler σ (relative finite-difference step), the scale-free turning per unit ln σ, and
   * its mean over σ (E[κ] itself spans decades between σ_max and σ_min, so its mean says little).
   */
  curvature: TimeSeries;
  turning: TimeSeries;
  turningMean: number;
  /** W2 to the same fresh data at low NFE, keyed as LOW_NFE (`heun5`, `restart3+2x1`, …). */
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
  /** [T, M, 2] states of M trajectories at the sampler's σ_i. */
  trajectories: Tensor;
  trajectoryCodes: Tensor | null;
  data: Tensor;
  dataLabels: Tensor;
  dispose(): void;
}

/** Sample count, seed and evaluation settings of a 2-D run. */
export interface ToyEvalOptions {
  n?: number;
  seed?: number;
  /** Trajectories used for curvature, Jacobian norms and drawing. */
  trajectories?: number;
  /** A data-parallel group: the samples are drawn by all ranks together (`generate`). */
  group?: ProcessGroup | null;
}

/** Evaluates a 2-D run: its metrics and the arrays the figures draw. */
export function evaluateToyRun(dir: string, o: ToyEvalOptions = {}): { metrics: ToyMetrics; artifacts: ToyArtifacts } {
  const L = loadRun(dir);
  const data = L.cfg.data;
  if (data.kind !== 'toy') throw new Error(`${dir} is not a 2-D toy run (data.kind = ${data.kind})`);
  const n = o.n ?? 4000, seed = o.seed ?? 0, M = o.trajectories ?? 200;
  const prior = L.model.encoder ? loadPrior(L.run, L.cfg, 0) : null;
  const fresh = (s: number) => {
    const g = new Generator(s);
    try { return makeToy(data.name, n, g, { iid: true }); } finally { g.dispose(); }
  };
  const [a, b] = [fresh(1_000_003 + seed), fresh(2_000_003 + seed)];
  const group = o.group ?? null;
  const codePrior = prior && { model: prior, temperature: L.cfg.prior.temperature };
  const gen = generate(L.model, L.info, { n, seed, sample: L.cfg.sample, prior: codePrior, group });
  const traj = generate(L.model, L.info, { n: M, seed: seed + 1, sample: L.cfg.sample, prior: codePrior, keepTrajectory: true, group });
  const mix = a.centers && a.std !== undefined ? { centers: a.centers, std: a.std } : null;
  const modes = mix ? modeStats(gen.x, mix.centers, { std: mix.std }) : null;
  const codes = L.model.encoder ? L.model.extractLatents(a.x).codes : null;
  const joint = codes ? jointCodes(codes, L.cfg.latents.k) : null;
  const flow = flowStats(L, traj);
  const lowNfe = Object.fromEntries(Object.entries(LOW_NFE).map(([key, setting]) => {
    const g = generate(L.model, L.info, { n, seed, sample: { ...L.cfg.sample, ...setting }, prior: codePrior, group });
    const v = w2(g.x, a.x);
    g.x.dispose();
    g.codes?.dispose();
    return [key, v];
  }));
  const lvs = sigmaGrid();
  const lossGen = new Generator(seed + 7);
  const metrics: ToyMetrics = {
    run: dir, latents: !!L.model.encoder, steps: L.step, n,
    w2: w2(gen.x, a.x), w2Floor: w2(b.x, a.x),
    offMode: modes?.offModeFraction ?? null, maxWeightError: modes?.maxWeightError ?? null,
    missingModes: modes?.missingModes ?? null, modeWeights: modes?.weights ?? null,
    purity: joint ? latentPurity(joint, a.labels).purity : null,
    codesUsed: joint ? codeStats(joint).used : null, codeEntropy: joint ? codeStats(joint).entropy : null,
    ...flow, lowNfe,
    lossVsSigma: { sigma: lvs, loss: lossVsSigma(L.model, a.x, lvs, { generator: lossGen }) },
    nfe: gen.nfe, sampleSeconds: gen.seconds.prior + gen.seconds.diffusion, priorSeconds: gen.seconds.prior,
    priorShare: gen.seconds.prior / (gen.seconds.prior + gen.seconds.diffusion),
  };
  lossGen.dispose();
  const trajectories = keep(stack(traj.trajectory, 0).to({ dtype: 'float32' }));
  for (const t of [...traj.trajectory, traj.x, b.x, b.labels, ...(joint ? [joint] : []), ...(codes ? [codes] : [])]) t.dispose();
  prior?.dispose();
  L.model.dispose();
  const artifacts: ToyArtifacts = {
    samples: gen.x, codes: gen.codes, trajectories, trajectoryCodes: traj.codes, data: a.x, dataLabels: a.labels,
    dispose() {
      for (const t of [gen.x, gen.codes, trajectories, traj.codes, a.x, a.labels]) t?.dispose();
    },
  };
  return { metrics, artifacts };
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
