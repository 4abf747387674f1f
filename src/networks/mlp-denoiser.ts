/**
 * The 2-D denoiser backbone (DisCo-Diff (Xu et al. 2024), App. F): an MLP whose first layer sums
 * projections of c_in·x, the noise embedding and (optionally) a latent embedding (separate
 * projections keep the 2-D input from being drowned by the wide embeddings at initialisation).
 * With `analyticGaussian`, the skip term of the preconditioning is the exact denoiser of one
 * Gaussian N(μ_z, s_z² I) per latent code, and the MLP learns the correction:
 *   D(x, σ, z) = μ_z + s_z²/(s_z² + σ²)·(x − μ_z) + c_out·H(c_in·x, c_noise, ·).
 * What H sees of the latents is `latentInput`:
 *   'embedding' — each code's embedding, so codes may also encode detail inside a mode;
 *   'presence'  — only whether the latents are present or dropped (latent dropout), so z reaches
 *                 D through its centre alone, and H can still be the unconditional correction for
 *                 dropped latents (the measured default, docs/latents.md);
 *   'none'      — nothing: the paper's App. F form G = (F(z) − x)/(t² + σ₁²) + H(x, t).
 * Without latents it is the plain EDM baseline: same network, no latent input.
 */
import { eye, full, tidy, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import { Linear, MLP } from '../nn/layers.js';
import { normal } from '../nn/init.js';
import type { MLPModelConfig } from '../config/schema.js';
import type { Backbone } from '../edm/precond.js';
import { LatentEmbedding } from '../disco/latent-embedding.js';
import type { Conditioning } from '../disco/conditioning.js';
import { gaussianSkip } from '../disco/gaussian-skip.js';
import { NoiseEmbedding } from './noise-embedding.js';

/**
 * The MLP denoiser's constructor arguments: the `model` section of an 'mlp' run (every field as
 * resolved by src/config/schema.ts) and what the data decide.
 */
export interface MLPDenoiserOptions extends Omit<MLPModelConfig, 'kind' | 'codeCovariance'> {
  /** The codes' covariance form, 'auto' resolved (codeCovarianceFor). */
  codeCovariance: 'isotropic' | 'full';
  /** Data width. */
  dim: number;
  /** m, k of the latents; null = plain EDM. */
  latents: { m: number; k: number } | null;
  /** σ_data of the initial centres and scales of the analytic term. */
  sigmaData: number;
}

/** What the MLP sees of the latents (see above). */
export type LatentInput = MLPModelConfig['latentInput'];

/** The 2-D backbone F_θ (see above). */
export class MLPDenoiser extends Module implements Backbone<Conditioning> {
  readonly noise: NoiseEmbedding;
  readonly latent: LatentEmbedding | null;
  readonly inX: Linear;
  readonly inNoise: Linear;
  readonly inLatent: Linear | null;
  readonly mlp: MLP;
  readonly input: LatentInput;
  /** Per-code Gaussian means [m, k, dim] and log-stds [m, k] (analytic term), or null. */
  readonly means: Tensor | null;
  readonly logStds: Tensor | null;
  /**
   * With codeModes c > 1, each code's mixture (analytic term): means [m, k, c, dim], log-stds and
   * log-weights [m, k, c]; else null.
   */
  readonly subMeans: Tensor | null;
  readonly subLogStds: Tensor | null;
  readonly subLogWeights: Tensor | null;
  /** With codeCovariance 'full', each code's covariance Σ [m, k, dim, dim]; else null. */
  readonly cov: Tensor | null;
  /** With codeModes c > 1 and codeCovariance 'full', each component's covariance [m, k, c, dim, dim]; else null. */
  readonly subCov: Tensor | null;

  constructor(readonly options: MLPDenoiserOptions) {
    super();
    const { dim, hidden, layers, embDim, latents: lat, analyticGaussian, latentInput, codeModes, codeCovariance, sigmaData } = options;
    this.noise = this.module('noise', new NoiseEmbedding(embDim));
    const analytic = lat && analyticGaussian;
    this.input = lat ? latentInput : 'none';
    if (lat && !analytic && this.input !== 'embedding') {
      throw new Error(`model.latentInput '${this.input}' needs model.analyticGaussian: without it the latents would not reach the denoiser`);
    }
    // 'presence' is a one-code embedding: its row means "latents present", its null "dropped".
    const table = this.input === 'embedding' ? lat : this.input === 'presence' ? { m: 1, k: 1 } : null;
    this.latent = table ? this.module('latent', new LatentEmbedding(table.m, table.k, embDim)) : null;
    this.inX = this.module('in_x', new Linear(dim, hidden));
    this.inNoise = this.module('in_noise', new Linear(embDim, hidden));
    this.inLatent = table ? this.module('in_latent', new Linear(table.m * embDim, hidden)) : null;
    this.mlp = this.module('mlp', new MLP([...Array(layers - 1).fill(hidden), dim], 'silu'));
    this.means = analytic ? this.param('means', normal([lat.m, lat.k, dim], sigmaData)) : null;
    this.logStds = analytic ? this.param('log_stds', full([lat.m, lat.k], Math.log(sigmaData / 2))) : null;
    const mixture = analytic && codeModes > 1 ? { ...lat, c: codeModes } : null;
    const fullCov = codeCovariance === 'full';
    this.subMeans = mixture ? this.param('sub_means', normal([mixture.m, mixture.k, mixture.c, dim], sigmaData)) : null;
    this.subLogStds = mixture && !fullCov ? this.param('sub_log_stds', full([mixture.m, mixture.k, mixture.c], Math.log(sigmaData / 2))) : null;
    const v0 = (sigmaData / 2) ** 2;
    this.subCov = mixture && fullCov ? this.param('sub_cov', tidy(() => eye(dim).mul(v0).expand(mixture.m, mixture.k, mixture.c, dim, dim).contiguous())) : null;
    this.subLogWeights = mixture ? this.param('sub_log_weights', full([mixture.m, mixture.k, mixture.c], -Math.log(mixture.c))) : null;
    const cov = analytic && fullCov && !mixture ? lat : null;
    this.cov = cov ? this.param('cov', tidy(() => eye(dim).mul(v0).expand(cov.m, cov.k, dim, dim).contiguous())) : null;
  }

  forward(x: Tensor, cNoise: Tensor, cond: Conditioning = {}): Tensor {
    let h = this.inX.forward(x).add(this.inNoise.forward(this.noise.forward(cNoise)));
    if (this.latent && this.inLatent) {
      h = h.add(this.input === 'presence' ? this.latent.presence(cond, this.inLatent) : this.latent.project(cond, this.inLatent));
    }
    return this.mlp.forward(h.silu());
  }

  /** The per-code Gaussian denoisers weighted by z (src/disco/gaussian-skip.ts); c_skip·x without them. */
  gaussianSkip(x: Tensor, sigma: Tensor, cSkip: Tensor, cond: Conditioning = {}): Tensor {
    return gaussianSkip(x, sigma, cSkip, cond.latents, this, cond.dropLatents);
  }
}
