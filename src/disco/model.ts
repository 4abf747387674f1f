/**
 * DisCo-Diff (method.md §3): an EDM denoiser D_θ(x, σ, z) and an encoder E_φ(y) → z trained end
 * to end through straight-through Gumbel-Softmax, with latent dropout to a learned null.
 * With no encoder it is the plain EDM model; the same code path trains both.
 */
import { noGrad, rand, tidy, type Generator, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import type { EDMPrecond } from '../edm/precond.js';
import { edmLoss } from '../edm/loss.js';
import type { LatentConfig } from '../config/schema.js';
import type { LatentEncoder } from './encoder.js';
import type { Conditioning } from './conditioning.js';
import { gumbelSoftmax } from './gumbel.js';

/** Stage-I loss of one batch: the scalar to minimise and per-sample diagnostics. */
export interface StageILoss {
  loss: Tensor;
  /** [B] per-sample weighted loss (mean over data dims). */
  perSample: Tensor;
  /** [B] σ drawn for each sample. */
  sigma: Tensor;
  /** [B, m] argmax codes of the encoder, or null without latents. */
  codes: Tensor | null;
}

export class DiscoDiff extends Module {
  constructor(readonly denoiser: EDMPrecond, readonly encoder: LatentEncoder | null, readonly latents: LatentConfig,
    readonly edm: { pMean: number; pStd: number }) {
    super();
    this.module('denoiser', denoiser);
    if (encoder) this.module('encoder', encoder);
  }

  /** E_y E_{z~E(y)} E_{σ,n} λ(σ)‖D(y + n, σ, z) − y‖² for a batch y [B, …]. */
  stageILoss(y: Tensor, labels: Tensor | undefined, generator?: Generator): StageILoss {
    const B = y.size(0);
    let cond: Conditioning = { labels };
    let codes: Tensor | null = null;
    if (this.encoder) {
      const logits = this.encoder.forward(y, labels); // (B, m, k)
      const z = gumbelSoftmax(logits, { tau: this.latents.tau, hard: this.latents.hard, generator });
      const drop = rand([B], { device: y.device, generator }).lt(this.latents.dropout);
      cond = { latents: z, dropLatents: drop, labels };
      codes = logits.argmax(-1);
    }
    const { loss, sigma } = edmLoss((x, s) => this.denoiser.forward(x, s, cond), y,
      { pMean: this.edm.pMean, pStd: this.edm.pStd, sigmaData: this.denoiser.sigmaData, generator });
    const perSample = loss.flatten(1).mean(1);
    return { loss: perSample.mean(), perSample, sigma, codes };
  }

  /**
   * Stage-II targets: the encoder's codes (argmax, i.e. τ → 0) and probabilities [B, m, k]
   * (soft labels) for data y, without gradients.
   */
  extractLatents(y: Tensor, labels?: Tensor): { codes: Tensor; probs: Tensor } {
    if (!this.encoder) throw new Error('this model has no latents (latents.enabled = false)');
    const enc = this.encoder;
    return noGrad(() => tidy(() => {
      const logits = enc.forward(y, labels);
      return { codes: logits.argmax(-1), probs: logits.softmax(-1) };
    }));
  }
}
