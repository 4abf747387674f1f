/** Rebuilds a trained run from its files: config, data facts and EMA weights from the checkpoint. */
import { assertFinite } from '../engine/index.js';
import { loadCheckpoint } from '../io/index.js';
import { isCount, isRecord } from '../io/json.js';
import { parseConfig } from '../config/load.js';
import type { RunConfig } from '../config/schema.js';
import type { DataInfo } from '../data/dataset.js';
import { createModel } from '../networks/build.js';
import type { DiscoDiff } from '../disco/model.js';
import type { Module, StateDict } from '../nn/module.js';
import { LatentPrior } from '../disco/prior.js';
import { RunDir } from './run-dir.js';

/** A run rebuilt from its directory. */
export interface LoadedRun {
  run: RunDir;
  cfg: RunConfig;
  info: DataInfo;
  step: number;
  /** The model with EMA weights, in eval mode. */
  model: DiscoDiff;
}

/** Rebuilds run `dir`'s Stage-I model with its EMA weights, in eval mode. */
export function loadRun(dir: string): LoadedRun {
  const run = new RunDir(dir);
  run.require();
  const ck = loadCheckpoint(run.checkpoint);
  try {
    const { stage, step, config, dataInfo } = ck.meta;
    if (stage !== 'stage1' || !isCount(step) || !config || !isDataInfo(dataInfo)) {
      throw new Error(`corrupt checkpoint ${run.checkpoint}: it lacks the stage-1 step, config or data facts`);
    }
    const cfg = parseConfig(config, `config stored in ${run.checkpoint}`);
    const weights = ck.ema.size ? ck.ema : ck.model;
    assertFinite(weights, `the ${ck.ema.size ? 'EMA' : 'model'} weights of ${run.checkpoint}`);
    // Weights trained in float64 (train.dtype) are used in float32, as the samplers expect.
    const model = built(run.checkpoint, () => createModel(cfg, dataInfo).to({ dtype: cfg.train.dtype }), weights)
      .to({ dtype: 'float32' }).eval();
    return { run, cfg, info: dataInfo, step, model };
  } finally {
    ck.dispose();
  }
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

/** Loads the trained Stage-II prior of a run. */
export function loadPrior(run: RunDir, cfg: RunConfig, numClasses: number): LatentPrior {
  run.require(run.prior, 'a run with a trained prior (run `disco-diff train-prior` first)');
  const ck = loadCheckpoint(run.prior);
  try {
    assertFinite(ck.model, `the prior weights of ${run.prior}`);
    return built(run.prior, () => createPrior(cfg, numClasses), ck.model).eval();
  } finally {
    ck.dispose();
  }
}
