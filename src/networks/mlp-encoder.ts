/** The 2-D latent encoder E_φ(y) → logits [B, m, k] (method.md §3). */
import type { Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import { MLP } from '../nn/layers.js';
import { splitLogitRows, type LatentEncoder } from '../disco/encoder.js';

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
