/**
 * Turns a preconditioned model into the sampler's D(x, σ): float32 network inside a float64
 * sampler, conditioning fixed, optional classifier-free guidance on the latents:
 *   D̃ = w·D(x, σ, z) + (1 − w)·D(x, σ, ∅)   (w = 1: plain conditional; w = 0: unconditional).
 */
import { full, type Tensor } from '../engine/index.js';
import type { Conditioning } from '../disco/conditioning.js';
import type { EDMPrecond } from './precond.js';
import type { Denoiser } from './samplers.js';

export function makeDenoiser(model: EDMPrecond, cond: Conditioning = {}, o: { guidance?: number } = {}): Denoiser {
  const w = o.guidance ?? 1;
  const run = (x: Tensor, sigma: number, c: Conditioning): Tensor => {
    const x32 = x.to({ dtype: 'float32' });
    const s = full([x.size(0)], sigma, { device: x.device });
    return model.forward(x32, s, c).to({ dtype: x.dtype });
  };
  if (w === 1 || !cond.latents) return (x, sigma) => run(x, sigma, cond);
  const uncond: Conditioning = { labels: cond.labels };
  return (x, sigma) => run(x, sigma, cond).mul(w).add(run(x, sigma, uncond).mul(1 - w));
}
