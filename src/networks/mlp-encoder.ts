/** The 2-D latent encoder E_φ(y) → logits [B, m, k] (DisCo-Diff (Xu et al. 2024), App. F). */
import type { Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import { MLP } from '../nn/layers.js';
import type { MLPEncoderConfig } from '../config/schema.js';
import { splitLogitRows, type LatentEncoder } from '../disco/encoder.js';

/**
 * The MLP encoder's constructor arguments: the `encoder` section of an 'mlp' run (as resolved by
 * src/config/schema.ts) and what the data and `latents` decide.
 */
export interface MLPEncoderOptions extends Omit<MLPEncoderConfig, 'kind'> {
  /** Width of the flattened data. */
  inDim: number;
  /** Number of latents. */
  m: number;
  /** Codebook size (logits per latent). */
  k: number;
}

/** The 2-D encoder: an MLP (paper: 3 layers) on flattened data. */
export class MLPEncoder extends Module implements LatentEncoder {
  readonly m: number;
  readonly k: number;
  readonly mlp: MLP;
  constructor(readonly options: MLPEncoderOptions) {
    super();
    const { inDim, m, k, hidden, layers } = options;
    this.m = m;
    this.k = k;
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
