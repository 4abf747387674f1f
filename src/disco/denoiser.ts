/** The sampler's D(x, σ) of a DisCo-Diff model, with classifier-free guidance on the latents. */
import type { EDMPrecond } from '../edm/precond.js';
import { makeDenoiser } from '../edm/denoiser.js';
import type { Denoiser } from '../edm/samplers.js';
import type { Conditioning } from './conditioning.js';

/**
 * D under `cond`, with guidance weight w on the latents: D̃ = w·D(x, σ, z) + (1 − w)·D(x, σ, ∅),
 * the labels kept in both terms (w = 1, or no latents: plain D).
 */
export function latentDenoiser(model: EDMPrecond<Conditioning>, cond: Conditioning, guidance: number): Denoiser {
  return makeDenoiser(model, cond, { guidance, uncond: cond.latents ? { labels: cond.labels } : undefined });
}
