/** Encoders E_φ(y) → logits [B, m, k] of m categorical latents (method.md §3). */
import { noGrad, tidy, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import { MLP } from '../nn/layers.js';

/** Any network mapping clean data (and optional labels) to latent logits. */
export interface LatentEncoder extends Module {
  readonly m: number;
  readonly k: number;
  /** y [B, …] → logits [B, m, k] */
  forward(y: Tensor, labels?: Tensor): Tensor;
  /**
   * Code `to` of latent `latent` becomes a copy of code `from` in the logits layer, and both
   * logits drop by ln 2, so the two share `from`'s probability (used by code restarts).
   */
  splitCode?(latent: number, from: number, to: number): void;
}

/** splitCode on a logits layer whose output rows are latent·k + code. */
export function splitLogitRows(weight: Tensor, bias: Tensor | null, k: number, latent: number, from: number, to: number): void {
  tidy(() => noGrad(() => {
    const [a, b] = [latent * k + from, latent * k + to];
    weight.select(0, b).copy_(weight.select(0, a));
    if (bias) {
      bias.select(0, b).copy_(bias.select(0, a));
      for (const r of [a, b]) bias.select(0, r).add_(-Math.LN2);
    }
  }));
}

/** The 2-D encoder: an MLP (paper: 3 layers) on flattened data. */
export class MLPEncoder extends Module implements LatentEncoder {
  readonly mlp: MLP;
  constructor(inDim: number, readonly m: number, readonly k: number, o: { hidden?: number; layers?: number } = {}) {
    super();
    const hidden = o.hidden ?? 256, layers = o.layers ?? 3;
    this.mlp = this.module('mlp', new MLP([inDim, ...Array(layers - 1).fill(hidden), m * k], 'silu'));
  }
  forward(y: Tensor): Tensor {
    return this.mlp.forward(y.flatten(1)).view(y.size(0), this.m, this.k);
  }
  splitCode(latent: number, from: number, to: number): void {
    const last = this.mlp.layers.at(-1)!;
    splitLogitRows(last.weight, last.bias, this.k, latent, from, to);
  }
}
