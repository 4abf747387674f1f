/**
 * Exact resume of Stage I: what a checkpoint holds besides the tensors (step, data position, RNG
 * states, code usage, config), opening and restoring it so that a resumed run repeats the
 * uninterrupted run's losses, and the run directory's record of each start: config.json,
 * config-history.jsonl (one row per config change), metrics.jsonl cut back to the checkpoint.
 * What a resume may change in the config is in resume-config.ts.
 */
import { existsSync, rmSync } from 'node:fs';
import { assertFinite, globalRngState, setGlobalRngState, type Generator } from '../engine/index.js';
import type { Adam, EMA } from '../optim/index.js';
import { loadCheckpoint, writeTextAtomic, type LoadedCheckpoint } from '../io/index.js';
import { isCount, isRecord } from '../io/json.js';
import { parseStoredConfig } from '../config/load.js';
import type { RunConfig } from '../config/schema.js';
import type { BatchIterator, DataInfo } from '../data/dataset.js';
import type { DiscoDiff } from '../disco/model.js';
import type { AnalyticCodebook } from '../disco/codebook/analytic-codebook.js';
import type { RunDir } from './run-dir.js';
import type { CheckpointSnapshot } from './checkpoint-policy.js';
import { appendJsonl, filterJsonl } from './jsonl.js';
import { checkResumable, configChanges, describeChanges, type ConfigChanges } from './resume-config.js';

/** The state Stage I trains and a checkpoint carries: model, EMA, Adam, RNG, data position, code usage. */
export interface TrainState {
  model: DiscoDiff;
  ema: EMA;
  opt: Adam;
  /** The training RNG (σ, noise, Gumbel draws, codebook); networks' dropout draws from the global one. */
  gen: Generator;
  batches: BatchIterator;
  codebook: AnalyticCodebook | null;
}

/** The checkpoint of `s` after step `step` (its tensors are read when it is written). */
export function snapshot(s: TrainState, step: number, cfg: RunConfig, info: DataInfo): CheckpointSnapshot {
  return { step, rng: { train: s.gen.getState(), global: globalRngState() },
    meta: { stage: 'stage1', step, config: cfg, dataInfo: info, data: s.batches.state(),
      ...(s.codebook?.restarts && { codeUsage: s.codebook.restarts.state() }) } };
}

/** A checked checkpoint to continue from, and what the new config changes. */
export interface Resume {
  ck: LoadedCheckpoint;
  step: number;
  data: { epoch: number; index: number };
  changes: ConfigChanges;
}

/**
 * Opens the checkpoint to resume: its counters must be sound, `cfg` may differ from the config it
 * was trained with only where a resume allows, and every tensor in it must be finite.
 */
export function openResume(run: RunDir, cfg: RunConfig): Resume {
  const ck = loadCheckpoint(run.checkpoint);
  try {
    const { stage, step, data } = ck.meta;
    if (stage !== 'stage1' || !isCount(step) || !isRecord(data) || !isCount(data.epoch) || !isCount(data.index)) {
      throw new Error(`corrupt checkpoint ${run.checkpoint}: it lacks the stage-1 step or data position`);
    }
    const before = parseStoredConfig(ck.meta.config, `config stored in ${run.checkpoint}`);
    const changes = configChanges(before, cfg);
    checkResumable(changes, run.checkpoint, before.latents.enabled || cfg.latents.enabled);
    if (cfg.train.steps < step) throw new Error(`train.steps ${cfg.train.steps} is below the step ${step} of ${run.checkpoint}`);
    assertFinite(ck.tensors, `checkpoint ${run.checkpoint}`);
    return { ck, step, data: { epoch: data.epoch, index: data.index }, changes };
  } catch (e) {
    ck.dispose();
    throw e;
  }
}

/** Loads a checked checkpoint into the training state; the checkpoint's tensors are freed after. */
export function restoreState(r: Resume, s: TrainState): void {
  const { ck } = r;
  s.model.loadStateDict(ck.model);
  s.ema.load(ck.ema);
  ck.restoreOptimizer('adam', s.opt);
  const rng = ck.rng.get('train');
  if (!rng) throw new Error(`corrupt checkpoint ${ck.path}: no training RNG state`);
  s.gen.setState(rng);
  const global = ck.rng.get('global'); // dropout inside networks draws from the global stream
  if (global) setGlobalRngState(global);
  s.batches.restore(r.data);
  if (s.codebook?.restarts) s.codebook.restarts.restore(ck.meta.codeUsage as { usage: number[][] });
  ck.dispose();
}

/** A new run: refuses a directory with a trained run, and drops the logs of one that died before its first checkpoint. */
export function startFresh(run: RunDir, quiet?: boolean): null {
  if (existsSync(run.checkpoint)) {
    throw new Error(`${run.root} already holds a trained run; pass --resume to continue it or choose another --out`);
  }
  if (existsSync(run.metrics) && !quiet) {
    process.stderr.write(`note: dropping ${run.metrics} of an earlier run that stopped before its first checkpoint\n`);
  }
  for (const f of [run.metrics, run.configHistory]) rmSync(f, { force: true });
  return null;
}

/** A new run's record: its config, and the first row of config-history.jsonl. */
export function recordStart(run: RunDir, cfg: RunConfig): void {
  writeTextAtomic(run.config, JSON.stringify(cfg, null, 2));
  appendJsonl(run.configHistory, { step: 0, time: new Date().toISOString(), config: cfg });
}

/**
 * After a resume: cuts metrics.jsonl back to the checkpoint's step (dropping a partial last line),
 * and config-history.jsonl to the changes made before it, then records the config in effect.
 */
export function recordResume(run: RunDir, cfg: RunConfig, r: Resume, quiet?: boolean): void {
  filterJsonl(run.metrics, (row) => isCount(row.step) && row.step <= r.step);
  filterJsonl(run.configHistory, (row) => isCount(row.step) && row.step < r.step);
  writeTextAtomic(run.config, JSON.stringify(cfg, null, 2));
  if (Object.keys(r.changes).length) {
    appendJsonl(run.configHistory, { step: r.step, time: new Date().toISOString(), changed: r.changes, config: cfg });
    if (!quiet) process.stderr.write(`resuming at step ${r.step} with ${describeChanges(r.changes)}\n`);
  }
}

/** The config change to note in the first metrics row after a resume (null: none). */
export function configChangeNote(r: Resume | null): { step: number; changed: ConfigChanges } | null {
  return r && Object.keys(r.changes).length ? { step: r.step, changed: r.changes } : null;
}
