/**
 * Sampling DisCo-Diff (Xu et al. 2024): z ~ AR prior (or given codes), then the DM's ODE/SDE from
 * x_0 ~ N(0, σ_max² I) conditioned on z. Without latents this is plain EDM sampling.
 */
import { Generator, cat, describeNonFinite, noGrad, randn, tidy, withRowShard, type Tensor } from '../engine/index.js';
import type { SampleConfig } from '../config/schema.js';
import { edmSigmas } from '../edm/schedule.js';
import { SAMPLERS, restartPlan, type RestartInterval, type StepInfo } from '../edm/samplers.js';
import type { DataInfo } from '../data/dataset.js';
import type { DiscoDiff } from './model.js';
import type { LatentPrior } from './prior.js';
import { oneHotCodes } from './gumbel.js';
import { latentDenoiser } from './denoiser.js';
import type { ProcessGroup } from '../parallel/group.js';
import { gatherRows, rowRange } from '../parallel/shards.js';

/** What to draw: count, seed, sampler settings, prior or fixed codes, labels. */
export interface GenerateOptions {
  n: number;
  seed: number;
  sample: SampleConfig;
  /** Samples per sampler call. */
  batch?: number;
  prior?: LatentPrior | null;
  priorTemperature?: number;
  /** Codes [n, m] to use instead of drawing them from the prior. */
  codes?: Tensor;
  labels?: Tensor;
  keepTrajectory?: boolean;
  /** Called after each sampler step of each batch. */
  onStep?: (s: StepInfo & { batch: number }) => void;
  /**
   * A data-parallel group: each rank solves its rows of every batch, with the noise those rows get
   * in one process (withRowShard), and every rank returns all samples.
   */
  group?: ProcessGroup | null;
}

/** Samples, the codes they used, their cost and (optionally) trajectories. */
export interface Generated {
  /** Samples [n, …] float32. */
  x: Tensor;
  /** Codes [n, m] int64 used, or null without latents. */
  codes: Tensor | null;
  /** Denoiser evaluations per sample. */
  nfe: number;
  seconds: { prior: number; diffusion: number };
  /** x at every σ_i, [n, …] float64 each (when keepTrajectory). */
  trajectory: Tensor[];
}

/** Command-line style changes to a run's sampling settings (`sample`, `eval`). */
export interface SamplingOverrides {
  steps?: number;
  sampler?: SampleConfig['sampler'];
  /** Restart intervals; they imply sampler 'restart'. */
  restart?: RestartInterval[];
  guidance?: number;
}

/**
 * `s` with the overrides applied, checked before any work: Restart intervals only with the
 * restart sampler, and placed on the main grid (src/edm/samplers.ts `restartPlan`).
 */
export function withOverrides(s: SampleConfig, o: SamplingOverrides): SampleConfig {
  if (o.restart && o.sampler && o.sampler !== 'restart') {
    throw new Error(`--restart gives the restart sampler's intervals; it does not apply to --sampler ${o.sampler}`);
  }
  const r: SampleConfig = { ...s, ...(o.steps && { steps: o.steps }), ...(o.sampler && { sampler: o.sampler }),
    ...(o.restart && { sampler: 'restart' as const, restart: o.restart }), ...(o.guidance !== undefined && { guidance: o.guidance }) };
  if (r.sampler === 'restart') restartPlan(edmSigmas(r.steps, r), r.restart, r.rho);
  return r;
}

/** Draws `o.n` samples: codes from the prior (or `o.codes`), then the sampler, in batches. */
export function generate(model: DiscoDiff, info: DataInfo, o: GenerateOptions): Generated {
  const gen = new Generator(o.seed);
  try {
    return noGrad(() => {
      const t0 = performance.now();
      let codes: Tensor | null = o.codes?.clone() ?? null;
      if (!codes && model.encoder) {
        if (!o.prior) throw new Error('this model has latents: give a trained prior or explicit codes');
        codes = o.prior.sample(o.n, { labels: o.labels, temperature: o.priorTemperature, generator: gen });
      }
      const t1 = performance.now();
      const sigmas = edmSigmas(o.sample.steps, o.sample);
      const sampler = SAMPLERS[o.sample.sampler];
      const B = o.batch ?? o.n;
      const outs: Tensor[] = [];
      const trajParts: Tensor[][] = [];
      let nfe = 0;
      for (let start = 0; start < o.n; start += B) {
        const end = Math.min(o.n, start + B);
        const group = o.group ?? null;
        const mine = group ? rowRange(end - start, group.rank, group.size) : { start: 0, end: end - start };
        const r = tidy(() => withRowShard(group && { ...mine, total: end - start }, () => {
          const zb = codes?.slice(0, start + mine.start, start + mine.end);
          const labels = o.labels?.slice(0, start + mine.start, start + mine.end);
          const cond = { latents: zb && model.encoder ? oneHotCodes(zb, model.encoder.k) : null, labels };
          const D = latentDenoiser(model.denoiser, cond, o.sample.guidance);
          const x0 = randn([mine.end - mine.start, ...info.shape], { dtype: 'float64', generator: gen }).mul(sigmas[0]!);
          const res = sampler(D, x0, sigmas, {
            generator: gen, keepTrajectory: o.keepTrajectory, restart: o.sample.restart, rho: o.sample.rho,
            onStep: o.onStep && ((s) => o.onStep!({ ...s, batch: start / B })),
          });
          const all = (t: Tensor) => gatherRows(group, t, end - start, 'the gather of the samples');
          return { x: all(res.x.to({ dtype: 'float32' })), nfe: res.nfe, trajectory: res.trajectory.map(all) };
        }));
        outs.push(r.x);
        trajParts.push(r.trajectory);
        nfe = r.nfe;
      }
      const x = outs.length === 1 ? outs[0]! : cat(outs);
      if (outs.length > 1) for (const t of outs) t.dispose();
      const bad = describeNonFinite(x);
      if (bad) {
        for (const t of [x, codes, ...trajParts.flat()]) t?.dispose();
        throw new Error(`sampling produced non-finite samples (${bad}; sample.guidance ${o.sample.guidance}, ` +
          `${o.sample.sampler} ${o.sample.steps} steps): check the run's weights and sampling settings`);
      }
      const trajectory = trajParts[0]?.map((_, i) => (trajParts.length === 1 ? trajParts[0]![i]! : cat(trajParts.map((p) => p[i]!)))) ?? [];
      if (trajParts.length > 1) for (const p of trajParts) for (const t of p) t.dispose();
      const t2 = performance.now();
      return { x, codes, nfe, seconds: { prior: (t1 - t0) / 1000, diffusion: (t2 - t1) / 1000 }, trajectory };
    });
  } finally {
    gen.dispose();
  }
}
