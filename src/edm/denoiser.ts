/**
 * Turns a preconditioned model into the sampler's D(x, σ): float32 network inside a float64
 * sampler, conditioning fixed, optional classifier-free guidance against a weaker conditioning:
 *   D̃ = w·D(x, σ, cond) + (1 − w)·D(x, σ, uncond)   (w = 1: plain conditional; w = 0: uncond).
 */
import { full, type Tensor } from '../engine/index.js';
import type { EDMConditioning, EDMPrecond } from './precond.js';
import type { Denoiser } from './samplers.js';

/** Guidance: the weight w (a run's sample.guidance) and the conditioning D is pushed away from. */
export interface Guidance<C> {
  guidance: number;
  uncond?: C;
}

/** D(x, σ) for the samplers: `model` under `cond`, guided by `o` (see above; without `o.uncond`: plain D). */
export function makeDenoiser<C extends EDMConditioning>(model: EDMPrecond<C>, cond?: C, o?: Guidance<C>): Denoiser {
  const run = (x: Tensor, sigma: number, c: C | undefined): Tensor => {
    const x32 = x.to({ dtype: 'float32' });
    const s = full([x.size(0)], sigma, { device: x.device });
    return model.forward(x32, s, c).to({ dtype: x.dtype });
  };
  if (!o?.uncond || o.guidance === 1) return (x, sigma) => run(x, sigma, cond);
  const { guidance: w, uncond } = o;
  return (x, sigma) => run(x, sigma, cond).mul(w).add(run(x, sigma, uncond).mul(1 - w));
}
