/**
 * When Stage I writes its checkpoint: only ever a verified one in place of the last good one. A
 * checkpoint taken at step s (every `every` steps) is written once step s + 1 has measured the loss
 * of its weights: a finite loss that has not exploded (risen above EXPLOSION × the lowest loss of
 * this session). Its state is checked for NaN and ±inf as it is written (saveCheckpoint). Until then
 * the previous checkpoint stays, so the checkpoint a divergence names exists, is finite and is worth
 * resuming from. The last step of a session has no next step: its checkpoint is written at once.
 */
import { NonFiniteStateError, saveCheckpoint, type CheckpointParts } from '../io/index.js';

/** A loss this many times the lowest one so far means the run has diverged. */
export const EXPLOSION = 1e4;

/** The counters and RNG states of a checkpoint step (tensors are read when it is written). */
export interface CheckpointSnapshot {
  step: number;
  rng: Record<string, Uint8Array>;
  meta: Record<string, unknown>;
}

export class CheckpointPolicy {
  private due: CheckpointSnapshot | null = null;
  private lowest = Infinity;

  /**
   * `tensors` gives the model, EMA and optimizers as they are now; `lastGood` is the step of the
   * checkpoint already at `path` (null: none); a checkpoint is taken every `every` steps.
   */
  constructor(readonly path: string, private readonly tensors: () => Pick<CheckpointParts, 'model' | 'ema' | 'optimizers'>,
    private lastGood: number | null, readonly every: number) {}

  /**
   * Checks the loss of step `step` (measured on the current weights, before their update): throws
   * the divergence error when it is not sound; otherwise writes the checkpoint that was due.
   */
  verify(step: number, loss: number, total: number): void {
    if (!Number.isFinite(total) || !Number.isFinite(loss)) throw this.diverged(step, `the loss is ${Number.isFinite(total) ? loss : total}`);
    if (loss > EXPLOSION * this.lowest) {
      throw this.diverged(step, `the loss exploded to ${loss.toExponential(2)} (lowest so far ${this.lowest.toExponential(2)})`);
    }
    this.lowest = Math.min(this.lowest, loss);
    if (this.due) this.write(this.due);
    this.due = null;
  }

  /**
   * After the update of step `step`: the session's last step is written now; every `every` steps a
   * checkpoint is taken, to be written when the next step's loss verifies it.
   */
  afterStep(step: number, last: boolean, snapshot: () => CheckpointSnapshot): void {
    if (last) this.write(snapshot());
    else if (step % this.every === 0) this.due = snapshot();
  }

  private write(s: CheckpointSnapshot): void {
    try {
      saveCheckpoint(this.path, { ...this.tensors(), rng: s.rng, meta: s.meta });
    } catch (e) {
      throw e instanceof NonFiniteStateError ? this.diverged(s.step, `the model, EMA or optimizer state holds non-finite values: ${e.detail}`) : e;
    }
    this.lastGood = s.step;
  }

  private diverged(step: number, why: string): Error {
    return new Error(`training diverged at step ${step}: ${why}; lower train.lr or set train.gradClip. ` +
      (this.lastGood === null ? 'No checkpoint was saved yet: start the run again.'
        : `The last good checkpoint is ${this.path} (step ${this.lastGood}): continue it with --resume --set train.lr=<lower>`));
  }
}
