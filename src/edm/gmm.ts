/**
 * The exact denoiser of an isotropic Gaussian mixture Σ_j w_j N(μ_j, s² I) under noise σ:
 *   D(x, σ) = Σ_j r_j(x)·(μ_j + s²/(s² + σ²)·(x − μ_j)),  r_j ∝ w_j·N(x; μ_j, (s² + σ²) I).
 * Conditioned on a component (one Gaussian per latent) the sum has one term. Used as ground
 * truth in tests and benchmarks.
 */
import { tensor, tidy, type Tensor } from '../engine/index.js';
import type { Denoiser } from './samplers.js';

/** An isotropic Gaussian mixture with equal weights. */
export interface Mixture {
  centers: number[][];
  std: number;
  /** Component weights (default equal). */
  weights?: number[];
}

/** D(x, σ) of the whole mixture, or of component `component[i]` for sample i when given. */
export function mixtureDenoiser(mix: Mixture, component?: Tensor): Denoiser {
  const k = mix.centers.length;
  const w = mix.weights ?? Array(k).fill(1 / k);
  return (x, sigma) => tidy(() => {
    const opts = { dtype: x.dtype, device: x.device } as const;
    const mu = tensor(mix.centers, opts); // (k, d)
    const s2 = mix.std ** 2, v = s2 + sigma ** 2;
    const shrink = s2 / v;
    // Per-component posterior means (B, k, d).
    const xk = x.unsqueeze(1);
    const means = mu.unsqueeze(0).add(xk.sub(mu.unsqueeze(0)).mul(shrink));
    if (component) {
      const idx = component.view(-1, 1, 1).expand(x.size(0), 1, x.size(1));
      return means.gather(1, idx).squeeze(1);
    }
    const logits = xk.sub(mu.unsqueeze(0)).square().sum(2).mul(-0.5 / v).add(tensor(w, opts).log()); // (B, k)
    const r = logits.softmax(1).unsqueeze(2);
    return r.mul(means).sum(1);
  });
}
