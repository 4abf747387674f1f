/** Exponential moving average of parameters (EDM samples from the EMA weights). */
import { keep, noGrad, tidy } from '../engine/index.js';
import { stateMismatch, type Module, type StateDict } from '../nn/module.js';

/** An exponential moving average of a module's parameters and buffers. */
export class EMA {
  /** Averaged copies of the module's parameters and buffers, by path. */
  readonly shadow: StateDict;

  /** `decay` per step, e.g. 0.999; the average starts at the current weights. */
  constructor(module: Module, readonly decay: number) {
    if (!(decay >= 0 && decay < 1)) throw new Error(`EMA: decay must be in [0, 1), got ${decay}`);
    // Under noGrad the clones are plain tensors, outside the autograd graph.
    this.shadow = new Map(noGrad(() => [...module.stateDict()].map(([k, t]) => [k, keep(t.clone())])));
  }

  /** Decay for a half-life of `halfLife` samples at `batch` samples per step (EDM's ema_halflife). */
  static decayForHalfLife(halfLife: number, batch: number): number {
    return 0.5 ** (batch / Math.max(halfLife, 1e-8));
  }

  /**
   * EDM's EMA warm-up (ema_rampup_ratio): the half-life, in steps, is at most `rampup` × the steps
   * done so far, so early averages forget the random initialisation. Returns the decay to use at
   * `step` (1-based): min(decay, 0.5^(1 / (rampup·step))); `rampup` 0 = the constant decay.
   */
  static rampedDecay(decay: number, rampup: number, step: number): number {
    return rampup > 0 ? Math.min(decay, 0.5 ** (1 / (rampup * Math.max(step, 1)))) : decay;
  }

  /** shadow ← d·shadow + (1−d)·current, with d the constructor's decay unless given. */
  update(module: Module, decay = this.decay): void {
    noGrad(() => tidy(() => {
      for (const [k, t] of module.stateDict()) {
        const s = this.shadow.get(k);
        if (!s) throw new Error(`EMA: module has '${k}' that the average does not`);
        if (t.dtype.startsWith('float')) s.lerp_(t, 1 - decay);
        else s.copy_(t);
      }
    }));
  }

  /** Writes the averaged weights into `module` (e.g. a second copy used for sampling). */
  copyTo(module: Module): void {
    module.loadStateDict(this.shadow);
  }

  /** Overwrites the average from a checkpoint. */
  load(sd: StateDict): void {
    noGrad(() => {
      for (const [k, s] of this.shadow) {
        const src = sd.get(k);
        if (!src) throw new Error(`EMA state is missing '${k}'`);
        const mismatch = stateMismatch(k, src, s);
        if (mismatch) throw new Error(`EMA state: ${mismatch}`);
        s.copy_(src);
      }
    });
  }

  dispose(): void {
    for (const t of this.shadow.values()) t.dispose();
  }
}
