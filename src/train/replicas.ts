/**
 * Data-parallel Stage I (src/parallel): each rank trains on its rows of every batch, and this keeps the
 * replicas identical and their logs those of one process with the whole batch. Rank 0's state is
 * copied to every rank at the start; after each backward pass the gradients are averaged (in
 * buckets), and the step's per-sample measurements (loss, σ, codes, and the points the codebook
 * needs) are gathered in rank order, which is the order of the whole batch. Without a group every
 * call is the single-process identity, so the training loop has one path.
 */
import { constants } from 'node:os';
import { Tensor, cat, globalRngState, noGrad, setGlobalRngState, tensor, type RowShard } from '../engine/index.js';
import type { ProcessGroup } from '../parallel/group.js';
import { GradientAverager } from '../parallel/gradients.js';
import type { TrainState } from './resume.js';

/** What one rank measured on its rows in one step. */
export interface StepRecord {
  /** Its loss with regularisers (a scalar tensor). */
  total: Tensor;
  /** [b] per-sample loss, [b] σ, [b, m] argmax codes (or null). */
  perSample: Tensor;
  sigma: Tensor;
  codes: Tensor | null;
  regularisers: Tensor | null;
  /** Points [b, d] the codebook needs this step, or null. */
  x: Tensor | null;
  /** Why this rank wants to stop after the step (a signal asked it to, or its time budget is spent), or null. */
  stop: StopReason;
}

/** Why a loop stops before its last step: the signal that asked it to, or its spent time budget. */
export type StopReason = NodeJS.Signals | 'budget' | null;

/** The same for the whole batch. */
export interface BatchRecord {
  total: number;
  perSample: number[];
  sigma: number[];
  /** Codes [B·m] flat, and m. */
  codes: number[] | null;
  m: number;
  regularisers: number | null;
  /** The codebook's batch: points [B, d] and codes [B, m] (int64), or null. */
  batch: { x: Tensor; codes: Tensor } | null;
  /** Why the ranks stop: a signal any rank received comes first, then a spent budget; null: they go on. */
  stop: StopReason;
}

export class Replicas {
  private averager: GradientAverager | null = null;
  /** This rank's rows of each batch (null: all of them). */
  readonly rows: RowShard | null;

  constructor(readonly group: ProcessGroup | null, batch: number) {
    if (group && batch % group.size !== 0) {
      throw new Error(`train.batch ${batch} must be divisible by the ${group.size} processes (each trains on an equal share)`);
    }
    const share = group ? batch / group.size : batch;
    this.rows = group ? { start: group.rank * share, end: (group.rank + 1) * share, total: batch } : null;
  }

  /** Whether this process writes the run directory (rank 0, or the only process). */
  get writer(): boolean {
    return !this.group || this.group.rank === 0;
  }

  /**
   * Copies rank 0's `tensors` (in place) and `state` (JSON; the others pass null) to every rank and
   * returns the state; from here on `params`' gradients are averaged by `averageGradients`.
   */
  start<S>(tensors: Tensor[], params: Tensor[], state: S | null): S {
    if (!this.group) return state!;
    this.group.broadcastAll_(tensors, 'the copy of rank 0\'s training state');
    this.averager = new GradientAverager(this.group, params);
    return this.group.shareJson(state, 'the copy of rank 0\'s training counters');
  }

  /** Replaces every gradient by its mean over the ranks (after backward). */
  averageGradients(): void {
    this.averager?.average();
  }

  /** The whole batch's record from each rank's; rows in rank order. */
  gather(r: StepRecord): BatchRecord {
    const m = r.codes?.size(1) ?? 0;
    if (!this.group) {
      const codes = r.codes?.toFlatArray() ?? null;
      return { total: r.total.item(), perSample: r.perSample.toFlatArray(), sigma: r.sigma.toFlatArray(), codes, m,
        regularisers: r.regularisers?.item() ?? null, batch: r.x && r.codes ? { x: r.x, codes: r.codes } : null, stop: r.stop };
    }
    return noGrad(() => this.gatherRanks(this.group!, r, m));
  }

  private gatherRanks(group: ProcessGroup, r: StepRecord, m: number): BatchRecord {
    const b = r.perSample.size(0), d = r.x?.size(1) ?? 0;
    const head = tensor([r.total.item(), stopCode(r.stop), r.regularisers?.item() ?? 0], { dtype: 'float64' });
    const parts = [head, r.perSample, r.sigma, r.codes, r.x].filter((t): t is Tensor => t !== null).map((t) => t.double().flatten());
    const all = group.allgather(cat(parts), 'the gather of the step\'s statistics'); // (W, 3 + 2b + b·m + b·d)
    const rows = all.toArray() as number[][];
    const part = (offset: number, n: number) => rows.flatMap((row) => row.slice(offset, offset + n));
    const W = rows.length, codes = m ? part(3 + 2 * b, b * m) : null;
    const mean = (i: number) => rows.reduce((s, row) => s + row[i]!, 0) / W;
    const x = r.x && all.slice(1, 3 + 2 * b + b * m).reshape(W * b, d).to({ dtype: r.x.dtype });
    return {
      total: mean(0), perSample: part(3, b), sigma: part(3 + b, b), codes, m, regularisers: r.regularisers ? mean(2) : null,
      batch: x && codes ? { x, codes: tensor(codes, { dtype: 'int64', shape: [W * b, m] }) } : null, stop: stopReason(Math.max(...rows.map((row) => row[1]!))),
    };
  }

  dispose(): void {
    this.averager?.dispose();
  }
}

/** A stop reason as a number that the ranks' maximum ranks: 0 none, 1 budget, 1 + the signal's number. */
function stopCode(stop: StopReason): number {
  return stop === null ? 0 : stop === 'budget' ? 1 : 1 + constants.signals[stop];
}

function stopReason(code: number): StopReason {
  if (code <= 1) return code === 1 ? 'budget' : null;
  return (Object.keys(constants.signals) as NodeJS.Signals[]).find((s) => 1 + constants.signals[s] === code)!;
}

/** rank 0's counters in JSON (RNG states in base64). */
interface Counters {
  step: number;
  data: { epoch: number; index: number };
  adamStep: number;
  rng: { train: string; global: string };
  codeUsage: { usage: number[][] } | null;
}

/**
 * Starts the replicas from rank 0's training state (model, EMA, Adam, RNGs, data position, code
 * usage; a no-op on one process); returns the step to continue from.
 */
export function startReplicas(replicas: Replicas, s: TrainState, step: number): number {
  const tensors: Tensor[] = [...s.model.stateDict().values(), ...s.ema.shadow.values(), ...s.opt.expAvg, ...s.opt.expAvgSq];
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
  const mine: Counters | null = replicas.writer ? { step, data: s.batches.state(), adamStep: s.opt.step,
    rng: { train: b64(s.gen.getState()), global: b64(globalRngState()) }, codeUsage: s.codebook?.restarts?.state() ?? null } : null;
  const c = replicas.start(tensors, s.model.parameters(), mine);
  if (replicas.writer) return step;
  s.batches.restore(c.data);
  s.opt.step = c.adamStep;
  s.gen.setState(Buffer.from(c.rng.train, 'base64'));
  setGlobalRngState(Buffer.from(c.rng.global, 'base64'));
  if (c.codeUsage) s.codebook?.restarts?.restore(c.codeUsage);
  return c.step;
}
