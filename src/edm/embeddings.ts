/** Embedding of the noise level c_noise = ln(σ)/4: sinusoidal features, then a 2-layer MLP. */
import { cat, linspace, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import { Linear } from '../nn/layers.js';

/**
 * Sinusoidal features [B, 2·half] of a [B] input at geometric frequencies 1 … maxFreq. c_noise
 * spans only a few units, so frequencies stay low: high ones would feed near-random inputs.
 */
export function fourierFeatures(t: Tensor, half: number, maxFreq = 16): Tensor {
  const freqs = linspace(0, Math.log(maxFreq), half, { device: t.device }).exp(); // (half)
  const arg = t.unsqueeze(1).mul(freqs.unsqueeze(0)); // (B, half)
  return cat([arg.cos(), arg.sin()], 1);
}

export class NoiseEmbedding extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(readonly dim: number, readonly features = 64) {
    super();
    this.fc1 = this.module('fc1', new Linear(features, dim));
    this.fc2 = this.module('fc2', new Linear(dim, dim));
  }
  /** cNoise [B] → [B, dim] */
  forward(cNoise: Tensor): Tensor {
    return this.fc2.forward(this.fc1.forward(fourierFeatures(cNoise, this.features / 2)).silu());
  }
}
