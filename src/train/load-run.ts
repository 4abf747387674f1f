/** Rebuilds a trained run from its files: config, data facts and EMA weights from the checkpoint. */
import { loadCheckpoint } from '../io/index.js';
import { parseConfig } from '../config/load.js';
import type { RunConfig } from '../config/schema.js';
import { createModel, type DataInfo } from '../models/build.js';
import type { DiscoDiff } from '../disco/model.js';
import { LatentPrior } from '../disco/prior.js';
import { RunDir } from './run-dir.js';

export interface LoadedRun {
  run: RunDir;
  cfg: RunConfig;
  info: DataInfo;
  step: number;
  /** The model with EMA weights, in eval mode. */
  model: DiscoDiff;
}

export function loadRun(dir: string): LoadedRun {
  const run = new RunDir(dir);
  run.require();
  const ck = loadCheckpoint(run.checkpoint);
  try {
    if (ck.meta.stage !== 'stage1' || !ck.meta.config || !ck.meta.dataInfo) {
      throw new Error(`corrupt checkpoint ${run.checkpoint}: it lacks the stage-1 config or data facts`);
    }
    const cfg = parseConfig(ck.meta.config, `config stored in ${run.checkpoint}`);
    const info = ck.meta.dataInfo as DataInfo;
    const model = createModel(cfg, info);
    model.loadStateDict(ck.ema.size ? ck.ema : ck.model);
    model.eval();
    return { run, cfg, info, step: ck.meta.step as number, model };
  } finally {
    ck.dispose();
  }
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
    const prior = createPrior(cfg, numClasses);
    prior.loadStateDict(ck.model);
    return prior.eval();
  } finally {
    ck.dispose();
  }
}
