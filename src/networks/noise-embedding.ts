/** Embedding of the noise level c_noise = ln(σ)/4: sinusoidal features, then a 2-layer MLP. */
import { cat, linspace, tensor, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import { Linear } from '../nn/layers.js';

/**
 * Frequencies of the sinusoidal features. 'low': geometric from 1 to 16; c_noise spans only a few
 * units, so high frequencies would feed near-random inputs. 'edm': EDM's `PositionalEmbedding`
 * (max_positions 10⁴, no endpoint), (10⁻⁴)^(i/half) for i = 0 … half − 1, i.e. 1 down to ≈ 10⁻⁴.
 */
export type NoiseFrequencies = 'low' | 'edm';

/** The `half` frequencies of `kind` (float32, on `device`). */
export function noiseFrequencies(half: number, kind: NoiseFrequencies, device: Tensor['device']): Tensor {
  if (kind === 'low') return linspace(0, Math.log(16), half, { device }).exp();
  return tensor(Array.from({ length: half }, (_, i) => 1e-4 ** (i / half)), { device });
}

/** Sinusoidal features [B, 2·half] of a [B] input: cos then sin of t·f for each frequency f. */
export function fourierFeatures(t: Tensor, half: number, kind: NoiseFrequencies = 'low'): Tensor {
  const arg = t.unsqueeze(1).mul(noiseFrequencies(half, kind, t.device).unsqueeze(0)); // (B, half)
  return cat([arg.cos(), arg.sin()], 1);
}

/** c_noise [B] → sinusoidal features → Linear → SiLU → Linear → [B, dim] (EDM's map_noise, map_layer0/1). */
export class NoiseEmbedding extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(readonly dim: number, readonly features = 64, readonly frequencies: NoiseFrequencies = 'low') {
    super();
    this.fc1 = this.module('fc1', new Linear(features, dim));
    this.fc2 = this.module('fc2', new Linear(dim, dim));
  }
  /** cNoise [B] → [B, dim] */
  forward(cNoise: Tensor): Tensor {
    return this.fc2.forward(this.fc1.forward(fourierFeatures(cNoise, this.features / 2, this.frequencies)).silu());
  }
}
