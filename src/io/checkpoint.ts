/**
 * Training checkpoints: one safetensors file holding the model, its EMA, the optimizer moments
 * and RNG states (as uint8 tensors), with the run's config and counters as JSON metadata.
 * Keys: `model.*`, `ema.*`, `optim.<name>.*`, `rng.<name>`. Written atomically.
 */
import { nonFiniteSummary, tensor, type Tensor } from '../engine/index.js';
import type { StateDict } from '../nn/module.js';
import type { Adam } from '../optim/adam.js';
import type { EMA } from '../optim/ema.js';
import { isCount, isRecord } from './json.js';
import { loadSafetensors, saveSafetensors } from './safetensors.js';

/** What a checkpoint holds; every part but `model` is optional. */
export interface CheckpointParts {
  model: StateDict;
  ema?: EMA;
  optimizers?: Record<string, Adam>;
  rng?: Record<string, Uint8Array>;
  /** JSON-serialisable facts: config, step, … */
  meta?: Record<string, unknown>;
}

/** Thrown by `saveCheckpoint` when the state holds NaN or ±inf; nothing was written. */
export class NonFiniteStateError extends Error {
  constructor(readonly path: string, readonly detail: string) {
    super(`refusing to write checkpoint ${path}: its state holds non-finite values: ${detail}`);
  }
}

/**
 * Writes a checkpoint atomically, after checking that every float tensor (model, EMA, optimizer
 * moments) is finite: a checkpoint on disk is always one training can continue from.
 */
export function saveCheckpoint(path: string, parts: CheckpointParts): void {
  const all = new Map<string, Tensor>();
  const temps: Tensor[] = [];
  for (const [k, t] of parts.model) all.set(`model.${k}`, t);
  if (parts.ema) for (const [k, t] of parts.ema.shadow) all.set(`ema.${k}`, t);
  const steps: Record<string, number> = {};
  for (const [name, opt] of Object.entries(parts.optimizers ?? {})) {
    const s = opt.stateDict();
    steps[name] = s.step;
    for (const [k, t] of s.tensors) all.set(`optim.${name}.${k}`, t);
  }
  const bad = nonFiniteSummary(all);
  if (bad) throw new NonFiniteStateError(path, bad);
  for (const [name, state] of Object.entries(parts.rng ?? {})) {
    const t = tensor(state, { dtype: 'uint8' });
    temps.push(t);
    all.set(`rng.${name}`, t);
  }
  try {
    saveSafetensors(path, all, { meta: JSON.stringify(parts.meta ?? {}), optimizer_steps: JSON.stringify(steps) });
  } finally {
    for (const t of temps) t.dispose();
  }
}

/** A loaded checkpoint: sections split by prefix, metadata parsed. Dispose it when done. */
export class LoadedCheckpoint {
  readonly model: StateDict = new Map();
  readonly ema: StateDict = new Map();
  readonly optim = new Map<string, { step: number; tensors: Map<string, Tensor> }>();
  readonly rng = new Map<string, Uint8Array>();
  readonly meta: Record<string, unknown>;
  /** Every tensor by its full key (`model.…`, `ema.…`, `optim.<name>.…`, `rng.<name>`). */
  readonly tensors: Map<string, Tensor>;

  constructor(readonly path: string) {
    const { tensors, metadata } = loadSafetensors(path);
    this.tensors = tensors;
    let steps: Record<string, number>;
    try {
      this.meta = JSON.parse(metadata.meta ?? '{}');
      steps = JSON.parse(metadata.optimizer_steps ?? '{}');
    } catch {
      this.dispose();
      throw new Error(`corrupt checkpoint ${path}: metadata is not valid JSON`);
    }
    if (!isRecord(this.meta) || !isRecord(steps) || !Object.values(steps).every(isCount)) {
      this.dispose();
      throw new Error(`corrupt checkpoint ${path}: metadata is not an object, or optimizer steps are not counts`);
    }
    for (const [key, t] of tensors) {
      const dot = key.indexOf('.');
      const [section, rest] = [key.slice(0, dot), key.slice(dot + 1)];
      if (section === 'model') this.model.set(rest, t);
      else if (section === 'ema') this.ema.set(rest, t);
      else if (section === 'rng') this.rng.set(rest, new Uint8Array(t.dataSync().buffer));
      else if (section === 'optim' && rest.indexOf('.') > 0) {
        const d = rest.indexOf('.');
        const name = rest.slice(0, d);
        if (!this.optim.has(name)) this.optim.set(name, { step: steps[name] ?? 0, tensors: new Map() });
        this.optim.get(name)!.tensors.set(rest.slice(d + 1), t);
      }
    }
  }

  /** Restores an optimizer saved under `name`. */
  restoreOptimizer(name: string, opt: Adam): void {
    const s = this.optim.get(name);
    if (!s) throw new Error(`checkpoint ${this.path} has no optimizer state '${name}'`);
    opt.loadStateDict(s);
  }

  dispose(): void {
    for (const t of this.tensors.values()) t.dispose();
  }
}

/** Reads a checkpoint written by `saveCheckpoint`. */
export function loadCheckpoint(path: string): LoadedCheckpoint {
  return new LoadedCheckpoint(path);
}
