/**
 * Sampling DisCo-Diff (Xu et al. 2024): z ~ AR prior (or given codes), then the DM's ODE/SDE from
 * x_0 ~ N(0, σ_max² I) conditioned on z. Without latents this is plain EDM sampling. Samples come
 * batch by batch (`generateBatches`), so memory follows the batch, not n; each sample's label,
 * codes and noise come from its own random stream, so they do not depend on the batching.
 */
import {
  Generator, cat, describeNonFinite, full, noGrad, rand, randn, streamSeed, tidy, withRowShard, type RowShard, type Tensor,
} from '../engine/index.js';
import { SampleConfig } from '../config/schema.js';
import { edmSigmas } from '../edm/schedule.js';
import { SAMPLERS, restartPlan, type RestartInterval, type StepInfo } from '../edm/samplers.js';
import type { DataInfo } from '../data/dataset.js';
import type { DiscoDiff } from './model.js';
import type { LatentPrior } from './prior.js';
import { oneHotCodes } from './gumbel.js';
import { latentDenoiser } from './denoiser.js';
import { defaultBatch } from './sample-batch.js';
import type { ProcessGroup } from '../parallel/group.js';
import { gatherRows, rowRange } from '../parallel/shards.js';

/** What to draw: count, seed, sampler settings, prior or fixed codes, labels. */
export interface GenerateOptions {
  n: number;
  /** 0 … 2³² − 1: each block of samples draws from its own streams of this seed (`batchStreams`). */
  seed: number;
  sample: SampleConfig;
  /** Samples per sampler call (default: `defaultBatch`, within a memory budget). The samples do not depend on it. */
  batch?: number;
  /** The AR prior that draws the codes (unless `codes` are given) and its temperature (a run's prior.temperature). */
  prior?: { model: LatentPrior; temperature: number } | null;
  /** Codes [n, m] to use instead of drawing them from the prior. */
  codes?: Tensor;
  /** Class labels: [n] int64, one class for all, or 'random' (each sample's uniform from its own stream). */
  labels?: Tensor | number | 'random';
  keepTrajectory?: boolean;
  /** Called after each sampler step of each batch. */
  onStep?: (s: StepInfo & { batch: number }) => void;
  /** A data-parallel group: each rank solves its rows of every batch, and every rank returns all samples. */
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

/** One batch of `generateBatches`: samples start … start + x.size(0) − 1, owned by the caller. */
export interface GeneratedBatch extends Generated {
  start: number;
}

/**
 * Rows per random stream: a stream draws for a block of this many samples at once, about 2¹⁶
 * numbers per draw of one sample's shape (fixed by the data, so the same for every batching).
 */
export function rowsPerStream(shape: readonly number[]): number {
  return Math.max(1, Math.floor(2 ** 16 / shape.reduce((a, b) => a * b, 1)));
}

/**
 * What a block's stream draws: labels and codes, or the sampler's noise. Separate streams keep the
 * noise of a sample the same whether its codes are drawn or given.
 */
type StreamKind = 'conditioning' | 'noise';

/**
 * The streams of `seed` for one batch: `rows(a, b, kind)` is the row shard of samples a … b − 1,
 * block j of `rowsPerStream` samples drawing from stream streamSeed(seed, 2j) (noise) or 2j + 1.
 * Each batch makes its streams afresh, so a block cut by two batches is drawn alike in both.
 */
function batchStreams(shape: readonly number[], seed: number) {
  const made = new Map<number, Generator>();
  const stream = (i: number) => made.get(i) ?? made.set(i, new Generator(streamSeed(seed, i))).get(i)!;
  return {
    rows: (a: number, b: number, kind: StreamKind): RowShard => ({ start: a, end: b, total: rowsPerStream(shape),
      streams: (j) => stream(2 * j + (kind === 'noise' ? 0 : 1)) }),
    dispose: () => { for (const g of made.values()) g.dispose(); },
  };
}

/**
 * x_0/σ_0 [n, …shape] (float64): the noise `generate` starts samples 0 … n − 1 of `seed` from,
 * for experiments that solve from the same noise (latent switching).
 */
export function initialNoise(shape: readonly number[], n: number, seed: number): Tensor {
  const s = batchStreams(shape, seed);
  try {
    return withRowShard(s.rows(0, n, 'noise'), () => randn([n, ...shape], { dtype: 'float64' }));
  } finally {
    s.dispose();
  }
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
 * `s` with the overrides applied, checked before any work: against the `sample` schema (its
 * bounds; errors name the flag), Restart intervals only with the restart sampler, and placed on
 * the main grid (src/edm/samplers.ts `restartPlan`).
 */
export function withOverrides(s: SampleConfig, o: SamplingOverrides): SampleConfig {
  if (o.restart && o.sampler && o.sampler !== 'restart') {
    throw new Error(`--restart gives the restart sampler's intervals; it does not apply to --sampler ${o.sampler}`);
  }
  const checked = SampleConfig.safeParse({ ...s, ...(o.steps && { steps: o.steps }), ...(o.sampler && { sampler: o.sampler }),
    ...(o.restart && { sampler: 'restart' as const, restart: o.restart }), ...(o.guidance !== undefined && { guidance: o.guidance }) });
  if (!checked.success) {
    const { path, message } = checked.error.issues[0]!;
    throw new Error(`${String(path[0]) in o ? `--${String(path[0])}` : `sample.${path.join('.')}`}: ${message}`);
  }
  const r = checked.data;
  if (r.sampler === 'restart') restartPlan(edmSigmas(r.steps, r), r.restart, r.rho);
  return r;
}

/** Draws `o.n` samples batch by batch; each batch's tensors belong to the caller (see `generate` for all at once). */
export function* generateBatches(model: DiscoDiff, info: DataInfo, o: GenerateOptions): IterableIterator<GeneratedBatch> {
  const sigmas = edmSigmas(o.sample.steps, o.sample);
  yield* batches(model, info, o, (rows, start, end, index) => drawBatch(model, info, o, sigmas, rows, start, end, index));
}

/**
 * The codes [b, m] of `generateBatches`' samples, batch by batch, from the prior alone: the same
 * codes from the same streams, without the sampler. Empty for a model without latents.
 */
export function* codeBatches(model: DiscoDiff, info: DataInfo, o: GenerateOptions): IterableIterator<Tensor> {
  if (!model.encoder) return;
  yield* batches(model, info, o, (rows, start, end) =>
    withRowShard(rows(start, end, 'conditioning'), () => conditioning(model, info, o, start, end)).codes!);
}

/**
 * `each` of every batch of `o.batch` samples (default: `defaultBatch`), inside noGrad and tidy,
 * with the batch's streams (`batchStreams`).
 */
function* batches<T>(model: DiscoDiff, info: DataInfo, o: GenerateOptions,
  each: (rows: Rows, start: number, end: number, index: number) => T): IterableIterator<T> {
  if (model.encoder && !o.codes && !o.prior) throw new Error('this model has latents: give a trained prior or explicit codes');
  if (o.labels === 'random' && !info.numClasses) throw new Error('random labels: this model is not class-conditional');
  const B = o.batch ?? defaultBatch(model, info);
  for (let start = 0, index = 0; start < o.n; start += B, index++) {
    const streams = batchStreams(info.shape, o.seed);
    try {
      yield noGrad(() => tidy(() => each(streams.rows, start, Math.min(o.n, start + B), index)));
    } finally {
      streams.dispose();
    }
  }
}

type Rows = ReturnType<typeof batchStreams>['rows'];

/** Labels and codes of samples start … end − 1 (from their conditioning streams). */
function conditioning(model: DiscoDiff, info: DataInfo, o: GenerateOptions, start: number, end: number):
  { labels: Tensor | undefined; codes: Tensor | null } {
  const b = end - start;
  const labels = o.labels === undefined ? undefined : typeof o.labels === 'number' ? full([b], o.labels, { dtype: 'int64' })
    : o.labels === 'random' ? rand([b], { dtype: 'float64' }).mul(info.numClasses).floor().to({ dtype: 'int64' })
      : o.labels.slice(0, start, end);
  const codes = !model.encoder ? null : o.codes ? o.codes.slice(0, start, end)
    : o.prior!.model.sample(b, { labels, temperature: o.prior!.temperature });
  return { labels, codes };
}

/** Samples start … end − 1: labels and codes for all of them, then the sampler on this rank's rows. */
function drawBatch(model: DiscoDiff, info: DataInfo, o: GenerateOptions, sigmas: number[],
  rows: Rows, start: number, end: number, index: number): GeneratedBatch {
  const t0 = performance.now(), b = end - start;
  const { labels, codes } = withRowShard(rows(start, end, 'conditioning'), () => conditioning(model, info, o, start, end));
  const t1 = performance.now();
  const group = o.group ?? null;
  const mine = group ? rowRange(b, group.rank, group.size) : { start: 0, end: b };
  const r = withRowShard(rows(start + mine.start, start + mine.end, 'noise'), () => {
    const cut = (t: Tensor | undefined | null) => t?.slice(0, mine.start, mine.end);
    const zb = cut(codes);
    const D = latentDenoiser(model.denoiser, { latents: zb && model.encoder ? oneHotCodes(zb, model.encoder.k) : null, labels: cut(labels) },
      o.sample.guidance);
    const x0 = randn([mine.end - mine.start, ...info.shape], { dtype: 'float64' }).mul(sigmas[0]!);
    return SAMPLERS[o.sample.sampler](D, x0, sigmas, {
      keepTrajectory: o.keepTrajectory, restart: o.sample.restart, rho: o.sample.rho,
      onStep: o.onStep && ((s) => o.onStep!({ ...s, batch: index })),
    });
  });
  const all = (t: Tensor) => gatherRows(group, t, b, 'the gather of the samples');
  const x = all(r.x.to({ dtype: 'float32' }));
  const bad = describeNonFinite(x);
  if (bad) {
    throw new Error(`sampling produced non-finite samples (${bad}; sample.guidance ${o.sample.guidance}, ` +
      `${o.sample.sampler} ${o.sample.steps} steps): check the run's weights and sampling settings`);
  }
  const seconds = { prior: (t1 - t0) / 1000, diffusion: (performance.now() - t1) / 1000 };
  return { start, x, codes, nfe: r.nfe, seconds, trajectory: r.trajectory.map(all) };
}

/** Draws `o.n` samples: codes from the prior (or `o.codes`), then the sampler, in batches, joined. */
export function generate(model: DiscoDiff, info: DataInfo, o: GenerateOptions): Generated {
  const parts: GeneratedBatch[] = [];
  try {
    for (const p of generateBatches(model, info, o)) parts.push(p);
  } catch (e) {
    for (const p of parts) for (const t of [p.x, p.codes, ...p.trajectory]) t?.dispose();
    throw e;
  }
  const join = (ts: Tensor[]): Tensor => {
    if (ts.length === 1) return ts[0]!;
    const t = cat(ts);
    for (const p of ts) p.dispose();
    return t;
  };
  const codes = parts[0]!.codes ? join(parts.map((p) => p.codes!)) : null;
  const trajectory = parts[0]!.trajectory.map((_, i) => join(parts.map((p) => p.trajectory[i]!)));
  const sum = (k: 'prior' | 'diffusion') => parts.reduce((s, p) => s + p.seconds[k], 0);
  return { x: join(parts.map((p) => p.x)), codes, nfe: parts[0]!.nfe, seconds: { prior: sum('prior'), diffusion: sum('diffusion') }, trajectory };
}
