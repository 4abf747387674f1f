/** Adam and AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019) with bias correction. */
import { noGrad, tidy, keep, zerosLike, type Tensor } from '../engine/index.js';

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  /** L2 penalty added to the gradient (Adam) or decoupled decay (AdamW). */
  weightDecay?: number;
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

  constructor(readonly params: [string, Tensor][], o: AdamOptions = {}) {
    this.lr = o.lr ?? 1e-3;
    this.betas = o.betas ?? [0.9, 0.999];
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0;
    this.expAvg = params.map(([, p]) => keep(zerosLike(p)));
    this.expAvgSq = params.map(([, p]) => keep(zerosLike(p)));
  }

  /** One update with the gradients in `.grad` (parameters without a gradient are skipped). */
  update(lr = this.lr): void {
    this.step += 1;
    const [b1, b2] = this.betas;
    const bc1 = 1 - b1 ** this.step;
    const bc2 = 1 - b2 ** this.step;
    noGrad(() => tidy(() => {
      this.params.forEach(([, p], i) => {
        let g = p.grad;
        if (!g) return;
        if (this.weightDecay && this.decoupled) p.mul_(1 - lr * this.weightDecay);
        else if (this.weightDecay) g = g.add(p.mul(this.weightDecay));
        const m = this.expAvg[i]!, v = this.expAvgSq[i]!;
        m.lerp_(g, 1 - b1); // m = β1 m + (1-β1) g
        v.mul_(b2).addcmul_(g, g, 1 - b2); // v = β2 v + (1-β2) g²
        const denom = v.sqrt().mul(1 / Math.sqrt(bc2)).add_(this.eps);
        p.addcdiv_(m, denom, -lr / bc1);
      });
    }));
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
        if (!src) missing.push(key);
        else if (src.shape.join() !== dst.shape.join()) throw new Error(`optimizer state ${key}: shape [${src.shape}] vs [${dst.shape}]`);
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
