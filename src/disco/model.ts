/**
 * DisCo-Diff (Xu et al. 2024), Stage I: an EDM denoiser D_θ(x, σ, z) and an encoder E_φ(y) → z
 * trained end to end through straight-through Gumbel-Softmax, with latent dropout to a learned null.
 * With no encoder it is the plain EDM model; the same code path trains both.
 */
import { noGrad, rand, tidy, type Generator, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import type { EDMPrecond } from '../edm/precond.js';
import { edmLoss, vdmppLoss, type DenoiseBatch } from '../edm/loss.js';
import type { EDMConfig, LatentConfig } from '../config/schema.js';
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
  /** The code regularisers (diversity + sample entropy, already weighted), or null when off. */
  regularisers: Tensor | null;
}

/**
 * Per latent, in nats, from logits [B, m, k]: the entropy H(p̄) of the batch-mean code
 * distribution p̄ and the mean per-sample entropy E H(p(z | y)); both [m]. Their difference is
 * the information the codes carry about the batch, I(z; y).
 */
export function codeEntropies(logits: Tensor): { marginal: Tensor; sample: Tensor } {
  const p = logits.softmax(-1);
  const pBar = p.mean(0); // (m, k)
  return {
    marginal: pBar.mul(pBar.clamp(1e-12, 1).log()).sum(-1).neg(),
    sample: p.mul(logits.logSoftmax(-1)).sum(-1).neg().mean(0),
  };
}

/** Mean per-sample entropy of softmax(logits) [B, m, k], divided by ln k (1 = uniform, 0 = one-hot). */
export function sampleEntropy(logits: Tensor): Tensor {
  return codeEntropies(logits).sample.mean().div(Math.log(logits.size(-1)));
}

/**
 * Batch-perplexity diversity loss (wav2vec 2.0): (k − exp H(p̄))/k averaged over the m latents,
 * p̄ = the batch mean of softmax(logits) [B, m, k]. 0 when every code is equally likely over the
 * batch, → (k − 1)/k when the batch uses one code.
 */
export function diversityLoss(logits: Tensor): Tensor {
  const k = logits.size(-1);
  return codeEntropies(logits).marginal.exp().rsub(k).div(k).mean();
}

/** The Stage-I model: denoiser, optional encoder, their joint loss and the latents of data. */
export class DiscoDiff extends Module {
  constructor(readonly denoiser: EDMPrecond<Conditioning>, readonly encoder: LatentEncoder | null, readonly latents: LatentConfig,
    readonly edm: Pick<EDMConfig, 'objective' | 'pMean' | 'pStd' | 'sigmoidBias'>) {
    super();
    this.module('denoiser', denoiser);
    if (encoder) this.module('encoder', encoder);
  }

  /**
   * E_y E_{z~E(y)} E_{σ,n} λ(σ)‖D(y + n, σ, z) − y‖² for a batch y [B, …], with EDM's or VDM++'s
   * λ and σ distribution (`edm.objective`, src/edm/loss.ts), plus the code regularisers when
   * `latents.diversity` or `latents.sampleEntropy` > 0. `tau` overrides the Gumbel temperature
   * (annealing).
   */
  stageILoss(y: Tensor, labels?: Tensor, generator?: Generator, o: { tau?: number } = {}): StageILoss {
    const B = y.size(0);
    let cond: Conditioning = { labels };
    let codes: Tensor | null = null;
    let reg: Tensor | null = null;
    if (this.encoder) {
      const logits = this.encoder.forward(y, labels); // (B, m, k)
      const z = gumbelSoftmax(logits, { tau: o.tau ?? this.latents.tau, hard: this.latents.hard, noise: this.latents.gumbelNoise,
        generator });
      const drop = rand([B], { device: y.device, generator }).lt(this.latents.dropout);
      cond = { latents: z, dropLatents: drop, labels };
      codes = logits.argmax(-1);
      const { diversity: wd, sampleEntropy: we } = this.latents;
      if (wd > 0) reg = diversityLoss(logits).mul(wd);
      if (we > 0) reg = sampleEntropy(logits).mul(we).add(reg ?? 0);
    }
    const D: DenoiseBatch = (x, s) => this.denoiser.forward(x, s, cond);
    const sigmaData = this.denoiser.sigmaData;
    const { loss, sigma } = this.edm.objective === 'vdmpp'
      ? vdmppLoss(D, y, { bias: this.edm.sigmoidBias, sigmaData, generator })
      : edmLoss(D, y, { pMean: this.edm.pMean, pStd: this.edm.pStd, sigmaData, generator });
    const perSample = loss.flatten(1).mean(1);
    const total = reg ? perSample.mean().add(reg) : perSample.mean();
    return { loss: total, perSample, sigma, codes, regularisers: reg };
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
