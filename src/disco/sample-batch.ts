/**
 * How many samples one sampler call takes when the caller does not say: as many as keep the
 * denoiser's activations within a memory budget, so that peak memory follows the model, not n.
 */
import type { DataInfo } from '../data/dataset.js';
import type { DiscoDiff } from './model.js';

/** The bytes of activations a default batch may take. */
export const SAMPLE_MEMORY_BUDGET = 2 ** 30;

/**
 * Estimated bytes one sample's denoiser evaluation keeps alive: κ·d·√P, d the size of one sample
 * and P the denoiser's parameter count (activations grow with the data and with the network's
 * width, and the width as √P). κ = 40 bytes bounds what the toy MLP and the U-Nets of
 * configs/fmnist-* measured (docs/images.md).
 */
export function sampleBytes(model: DiscoDiff, info: DataInfo): number {
  const d = info.shape.reduce((a, b) => a * b, 1);
  return 40 * d * Math.sqrt(model.denoiser.numParameters());
}

/** Samples per sampler call whose activations stay within SAMPLE_MEMORY_BUDGET (at least 1). */
export function defaultBatch(model: DiscoDiff, info: DataInfo): number {
  return Math.max(1, Math.floor(SAMPLE_MEMORY_BUDGET / sampleBytes(model, info)));
}
