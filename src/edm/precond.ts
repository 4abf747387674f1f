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
  /** Optional analytic skip term replacing c_skip·x (gets the unscaled x and σ [B,1,…]). */
  gaussianSkip?(x: Tensor, sigma: Tensor, cond?: C): Tensor;
}

/** D_θ(x, σ, cond) around a backbone F_θ, with σ_data the data's standard deviation. */
export class EDMPrecond<C extends EDMConditioning = EDMConditioning> extends Module {
  constructor(readonly net: Backbone<C>, readonly sigmaData = 0.5) {
    super();
    this.module('net', net);
  }

  /** x [B, …], sigma [B] (float32) → denoised estimate of the clean data. */
  forward(x: Tensor, sigma: Tensor, cond?: C): Tensor {
    const sd = this.sigmaData;
    const s = sigma.reshape(-1, ...x.shape.slice(1).map(() => 1)); // (B, 1, …)
    const s2 = s.square().add(sd * sd);
    const c_skip = s2.rdiv(sd * sd);
    const c_out = s.mul(sd).div(s2.sqrt());
    const c_in = s2.rsqrt();
    const c_noise = sigma.log().div(4);
    const F_x = this.net.forward(x.mul(c_in), c_noise, cond);
    const skip = this.net.gaussianSkip ? this.net.gaussianSkip(x, s, cond) : c_skip.mul(x);
    return skip.add(c_out.mul(F_x));
  }
}
