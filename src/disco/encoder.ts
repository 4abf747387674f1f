/**
 * What a latent encoder E_φ(y) → logits [B, m, k] of m categorical latents is (DisCo-Diff, Xu et
 * al. 2024, Stage I), and the logit split of code restarts. The encoders are in src/networks/.
 */
import { noGrad, tidy, type Tensor } from '../engine/index.js';
import type { Module } from '../nn/module.js';

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
  /** The per-latent features [B, m, dim] its logits heads read (encoders with per-latent heads). */
  features?(y: Tensor, labels?: Tensor): Tensor;
  /** Sets per-latent linear heads: weight [m, dim, k], bias [m, k]. */
  setHeads?(weight: Tensor, bias: Tensor): void;
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
