/**
 * Rebuilds a trained run from its files: config, data facts and EMA weights from the checkpoint,
 * and the Stage-II prior, which must have been fitted to the checkpoint's encoder.
 */
import { createHash } from 'node:crypto';
import { assertFinite } from '../engine/index.js';
import { loadCheckpoint } from '../io/index.js';
import { tensorBytes } from '../io/tensor-bytes.js';
import { isCount, isRecord } from '../io/json.js';
import { parseStoredConfig } from '../config/load.js';
import type { RunConfig } from '../config/schema.js';
import type { DataInfo } from '../data/dataset.js';
import { createModel } from '../networks/build.js';
import type { DiscoDiff } from '../disco/model.js';
import type { Module, StateDict } from '../nn/module.js';
import { LatentPrior } from '../disco/prior.js';
import { RunDir } from './run-dir.js';

/**
 * The encoder a Stage-I checkpoint holds, as a prior records what it was fitted to: the
 * checkpoint's step and a SHA-1 digest of the encoder's stored weights.
 */
export interface EncoderRecord {
  step: number;
  digest: string;
}

/** A run directory as `loadRun` found it: its files, and its checkpoint's encoder (null without latents). */
export class LoadedRunDir extends RunDir {
  constructor(root: string, readonly encoder: EncoderRecord | null) {
    super(root);
  }
}

/** A run rebuilt from its directory. */
export interface LoadedRun {
  run: LoadedRunDir;
  cfg: RunConfig;
  info: DataInfo;
  step: number;
  /** The model with EMA weights, in eval mode. */
  model: DiscoDiff;
}

/** Rebuilds run `dir`'s Stage-I model with its EMA weights, in eval mode. */
export function loadRun(dir: string): LoadedRun {
  const files = new RunDir(dir);
  files.require();
  const ck = loadCheckpoint(files.checkpoint);
  try {
    const { stage, step, config, dataInfo } = ck.meta;
    if (stage !== 'stage1' || !isCount(step) || !config || !isDataInfo(dataInfo)) {
      throw new Error(`corrupt checkpoint ${files.checkpoint}: it lacks the stage-1 step, config or data facts`);
    }
    const cfg = parseStoredConfig(config, `config stored in ${files.checkpoint}`);
    const stored = ck.ema.size ? ck.ema : ck.model;
    // A shipped model stores its denoiser in float16 (scripts/images/ship-models.ts): cast to the run's dtype.
    const weights: StateDict = new Map([...stored].map(([k, t]) =>
      [k, t.dtype === 'float16' || t.dtype === 'bfloat16' ? t.to({ dtype: cfg.train.dtype }) : t]));
    try {
      assertFinite(weights, `the ${ck.ema.size ? 'EMA' : 'model'} weights of ${files.checkpoint}`);
      // Weights trained in float64 (train.dtype) are used in float32, as the samplers expect.
      const model = built(files.checkpoint, () => createModel(cfg, dataInfo).to({ dtype: cfg.train.dtype }), weights)
        .to({ dtype: 'float32' }).eval();
      const run = new LoadedRunDir(dir, model.encoder ? { step, digest: encoderDigest(weights) } : null);
      return { run, cfg, info: dataInfo, step, model };
    } finally {
      for (const [k, t] of weights) if (t !== stored.get(k)) t.dispose();
    }
  } finally {
    ck.dispose();
  }
}

/** SHA-1 over the encoder's stored weights (`encoder.*`): names, dtypes, shapes and bytes, in name order. */
export function encoderDigest(weights: StateDict): string {
  const h = createHash('sha1');
  for (const name of [...weights.keys()].filter((k) => k.startsWith('encoder.')).sort()) {
    const t = weights.get(name)!;
    h.update(`${name} ${t.dtype} [${t.shape}]\n`);
    for (const piece of tensorBytes(t)) h.update(piece);
  }
  return h.digest('hex');
}

/** Builds a module and loads `sd` into it; errors name `source`, and a module the state does not fit is freed. */
function built<M extends Module>(source: string, make: () => M, sd: StateDict): M {
  let m: M | undefined;
  try {
    m = make();
    m.loadStateDict(sd);
    return m;
  } catch (e) {
    m?.dispose();
    throw new Error(`${source}: ${(e as Error).message}`);
  }
}

/** Stored data facts: a sample shape of at most 4 sizes up to 2¹⁶, a class count, a positive σ_data. */
function isDataInfo(v: unknown): v is DataInfo {
  const size = (d: unknown) => isCount(d) && d > 0 && d <= 65_536;
  return isRecord(v) && Array.isArray(v.shape) && v.shape.length > 0 && v.shape.length <= 4 && v.shape.every(size) &&
    isCount(v.numClasses) && v.numClasses <= 65_536 && typeof v.sigmaData === 'number' && v.sigmaData > 0 && Number.isFinite(v.sigmaData);
}

/** Builds the prior a run's config describes. */
export function createPrior(cfg: RunConfig, numClasses: number): LatentPrior {
  const p = cfg.prior;
  return new LatentPrior({ m: cfg.latents.m, k: cfg.latents.k, numClasses, dim: p.dim, layers: p.layers, heads: p.heads });
}

/**
 * Loads the trained Stage-II prior of a run. A prior fitted to another encoder than the
 * checkpoint's (e.g. before `train --resume` trained on) is refused unless `o.stale`.
 */
export function loadPrior(run: LoadedRunDir, cfg: RunConfig, numClasses: number, o: { stale?: boolean } = {}): LatentPrior {
  run.require(run.prior, 'a run with a trained prior (run `disco-diff train-prior` first)');
  const ck = loadCheckpoint(run.prior);
  try {
    const stale = o.stale ? null : staleness(ck.meta.fittedTo, run.encoder);
    if (stale) {
      throw new Error(`the prior ${run.prior} ${stale}: rerun \`disco-diff train-prior --run ${run.root}\` ` +
        '(`sample --stale-prior` uses it anyway)');
    }
    assertFinite(ck.model, `the prior weights of ${run.prior}`);
    return built(run.prior, () => createPrior(cfg, numClasses), ck.model).eval();
  } finally {
    ck.dispose();
  }
}

/** Why a prior whose record is `fitted` does not belong to the checkpoint's encoder `now`, or null when it does. */
export function staleness(fitted: unknown, now: EncoderRecord | null): string | null {
  if (!now) return 'belongs to a run with latents, but the checkpoint has none';
  if (!isRecord(fitted) || !isCount(fitted.step) || typeof fitted.digest !== 'string') {
    return 'does not record the encoder it was fitted to (it predates that record)';
  }
  if (fitted.digest === now.digest) return null;
  return fitted.step === now.step ? `was fitted to another encoder than the checkpoint's (both at step ${now.step})`
    : `was fitted at step ${fitted.step}, the checkpoint is at step ${now.step}`;
}
