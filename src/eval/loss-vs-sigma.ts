/**
 * Denoising loss as a function of σ (DisCo-Diff, Xu et al. 2024, lowers the loss mostly at large σ):
 * for each σ on a grid, E λ(σ)‖D(y + σn, σ, z(y)) − y‖² over data y, with z the encoder's argmax
 * codes (no dropout) for DisCo-Diff and no latents for the plain DM. With `nullLatents` a DisCo-Diff
 * model gets its learned null embedding instead, i.e. the unconditional D(x, σ, ∅): the gap between
 * the two curves is what the latents are worth to the denoiser at each σ.
 */
import { full, noGrad, randnLike, sumBatches, type Generator, type Tensor } from '../engine/index.js';
import type { DiscoDiff } from '../disco/model.js';
import { oneHotCodes } from '../disco/gumbel.js';

/** σ values log-spaced from σ_min to σ_max. */
export function sigmaGrid(n = 12, sigmaMin = 0.01, sigmaMax = 50): number[] {
  return Array.from({ length: n }, (_, i) => Math.exp(Math.log(sigmaMin) + (i / (n - 1)) * Math.log(sigmaMax / sigmaMin)));
}

/** Mean weighted loss at each σ of `sigmas`, over data y [N, …] (in chunks of `batch`). */
export function lossVsSigma(model: DiscoDiff, y: Tensor, sigmas: number[],
  o: { labels?: Tensor; generator?: Generator; batch?: number; nullLatents?: boolean } = {}): number[] {
  const sd = model.denoiser.sigmaData;
  const N = y.size(0), B = o.batch ?? 1000;
  const weight = (sigma: number) => (sigma ** 2 + sd ** 2) / (sigma * sd) ** 2;
  return noGrad(() => sigmas.map((sigma) => sumBatches(N, B, (s, e) => {
    const yb = y.slice(0, s, e);
    const labels = o.labels?.slice(0, s, e);
    const latents = model.encoder && !o.nullLatents ? oneHotCodes(model.extractLatents(yb, labels).codes, model.encoder.k) : null;
    const n = randnLike(yb, { generator: o.generator }).mul(sigma);
    const D = model.denoiser.forward(yb.add(n), full([yb.size(0)], sigma), { latents, labels });
    return D.sub(yb).square().flatten(1).mean(1).sum().item() * weight(sigma);
  }) / N));
}
