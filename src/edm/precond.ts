/**
 * EDM preconditioning (Karras et al. 2022, Table 1): D(x, σ) = c_skip·x + c_out·F(c_in·x, c_noise).
 * A backbone may replace the c_skip·x term by an analytic Gaussian denoiser of its own (the 2-D
 * model's per-latent Gaussian); c_skip·x is exactly that denoiser for N(0, σ_data²).
 */
import type { Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';

/**
 * What the denoiser passes to its network untouched, besides x and σ (k-diffusion's extra args):
 * EDM's own is the class label; a model extends it (DisCo-Diff adds its latents).
 */
export interface EDMConditioning {
  /** int64 [B] class labels, for class-conditional models. */
  labels?: Tensor;
}

/** The raw network F_θ inside the preconditioning, conditioned on C. */
export interface Backbone<C extends EDMConditioning = EDMConditioning> extends Module {
  /** x: c_in-scaled input; cNoise: [B] = ln(σ)/4. Returns F with x's shape. */
  forward(x: Tensor, cNoise: Tensor, cond?: C): Tensor;
  /**
   * Optional analytic skip term replacing c_skip·x: gets the unscaled x, σ [B, 1, …] and EDM's
   * c_skip [B, 1, …] (for samples it has no analytic term for).
   */
  gaussianSkip?(x: Tensor, sigma: Tensor, cSkip: Tensor, cond?: C): Tensor;
}

/** EDM's preconditioning coefficients at noise level σ (any shape; each has σ's shape). */
export interface EDMCoefficients {
  cSkip: Tensor;
  cOut: Tensor;
  cIn: Tensor;
  cNoise: Tensor;
}

/** c_skip, c_out, c_in and c_noise of EDM (Karras et al. 2022), Table 1, for σ and σ_data. */
export function edmCoefficients(sigma: Tensor, sigmaData: number): EDMCoefficients {
  const sd2 = sigmaData * sigmaData;
  const s2 = sigma.square().add(sd2); // σ² + σ_data²
  return {
    cSkip: s2.rdiv(sd2),                       // σ_data² / (σ² + σ_data²)
    cOut: sigma.mul(sigmaData).div(s2.sqrt()), // σ·σ_data / √(σ² + σ_data²)
    cIn: s2.rsqrt(),                           // 1 / √(σ² + σ_data²)
    cNoise: sigma.log().div(4),                // ¼·ln σ
  };
}

/** D_θ(x, σ, cond) around a backbone F_θ, with σ_data the data's standard deviation. */
export class EDMPrecond<C extends EDMConditioning = EDMConditioning> extends Module {
  constructor(readonly net: Backbone<C>, readonly sigmaData: number) {
    super();
    this.module('net', net);
  }

  /** x [B, …], sigma [B] (float32) → denoised estimate of the clean data. */
  forward(x: Tensor, sigma: Tensor, cond?: C): Tensor {
    const s = sigma.reshape(-1, ...x.shape.slice(1).map(() => 1)); // (B, 1, …)
    const { cSkip, cOut, cIn, cNoise } = edmCoefficients(s, this.sigmaData);
    const F_x = this.net.forward(x.mul(cIn), cNoise.reshape(-1), cond);
    const skip = this.net.gaussianSkip ? this.net.gaussianSkip(x, s, cSkip, cond) : cSkip.mul(x);
    return skip.add(cOut.mul(F_x));
  }
}
