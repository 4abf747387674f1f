/** Adam and AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019) with bias correction. */
import { noGrad, keep, zerosLike, type Tensor } from '../engine/index.js';
import { N } from '../engine/native.js';
import { stateMismatch } from '../nn/module.js';

/** Learning rate, betas, eps and weight decay. */
export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  /** L2 penalty added to the gradient (Adam) or decoupled decay (AdamW). */
  weightDecay?: number;
  /** Per-parameter learning-rate multiplier by path (default 1; 0 = frozen): parameter groups. */
  lrScale?: (name: string) => number;
}

/** Adam with L2 weight decay folded into the gradient. State lives next to each parameter. */
export class Adam {
  lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  protected readonly decoupled: boolean = false;
  /** Number of steps taken (drives bias correction). */
  step = 0;
  readonly expAvg: Tensor[];
  readonly expAvgSq: Tensor[];
  /** Parameter indices by learning-rate multiplier. */
  private readonly groups: Map<number, number[]>;

  constructor(readonly params: [string, Tensor][], o: AdamOptions = {}) {
    this.lr = o.lr ?? 1e-3;
    this.betas = o.betas ?? [0.9, 0.999];
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0;
    this.expAvg = params.map(([, p]) => keep(zerosLike(p)));
    this.expAvgSq = params.map(([, p]) => keep(zerosLike(p)));
    this.groups = new Map();
    params.forEach(([n], i) => {
      const scale = o.lrScale?.(n) ?? 1;
      if (!(scale >= 0)) throw new Error(`Adam: learning-rate scale of ${n} must be ≥ 0, got ${scale}`);
      this.groups.set(scale, [...(this.groups.get(scale) ?? []), i]);
    });
  }

  /**
   * One update with the gradients in `.grad` (parameters without a gradient are skipped):
   * m ← β1 m + (1-β1) g,  v ← β2 v + (1-β2) g²,  p ← p − lr/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + ε),
   * with g += wd·p (Adam) or p ← (1 - lr·wd) p first (AdamW). One native call for all parameters
   * (native/optim_ops.cc adamStep: a single fused pass per contiguous CPU float tensor).
   */
  update(lr = this.lr): void {
    this.step += 1;
    const [b1, b2] = this.betas;
    for (const [scale, idx] of this.groups) {
      if (scale === 0) continue;
      N.adamStep(idx.map((i) => this.params[i]![1].id), idx.map((i) => this.expAvg[i]!.id), idx.map((i) => this.expAvgSq[i]!.id),
        lr * scale, b1, b2, this.eps, this.weightDecay, this.decoupled, this.step);
    }
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const [, p] of this.params) p.setGrad(null);
  }

  /** Moments by parameter path plus the step count, for checkpoints. */
  stateDict(): { step: number; tensors: Map<string, Tensor> } {
    const tensors = new Map<string, Tensor>();
    this.params.forEach(([n], i) => {
      tensors.set(`exp_avg.${n}`, this.expAvg[i]!);
      tensors.set(`exp_avg_sq.${n}`, this.expAvgSq[i]!);
    });
    return { step: this.step, tensors };
  }

  loadStateDict(s: { step: number; tensors: Map<string, Tensor> }): void {
    const missing: string[] = [];
    noGrad(() => this.params.forEach(([n], i) => {
      for (const [key, dst] of [[`exp_avg.${n}`, this.expAvg[i]!], [`exp_avg_sq.${n}`, this.expAvgSq[i]!]] as const) {
        const src = s.tensors.get(key);
        const mismatch = src && stateMismatch(key, src, dst);
        if (!src) missing.push(key);
        else if (mismatch) throw new Error(`optimizer state: ${mismatch}`);
        else dst.copy_(src);
      }
    }));
    if (missing.length) throw new Error(`optimizer state is missing: ${missing.join(', ')}`);
    this.step = s.step;
  }

  dispose(): void {
    for (const t of [...this.expAvg, ...this.expAvgSq]) t.dispose();
  }
}

/** AdamW: weight decay applied to the weights directly, not through the gradient. */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;
}
