/**
 * EDM samplers (Karras et al. 2022): Algorithm 2 (stochastic, Heun 2nd order with churn); with
 * S_churn = 0 it is Algorithm 1 (deterministic Heun, 2N−1 NFE), and with order 1 it is Euler.
 * Samplers see a denoiser D(x, σ) only: conditioning and guidance live in the closure.
 */
import { randnLike, tidy, type Generator, type Tensor } from '../engine/index.js';

/** x (the sampler's dtype) and a scalar σ → clean estimate with x's shape and dtype. */
export type Denoiser = (x: Tensor, sigma: number) => Tensor;

/** What `onStep` sees after each step; tensors are freed when the callback returns. */
export interface StepInfo {
  i: number;
  sigma: number;
  sigmaNext: number;
  x: Tensor;
  denoised: Tensor;
}

export interface SamplerOptions {
  /** 1 = Euler, 2 = Heun (default). */
  order?: 1 | 2;
  /** Stochasticity S_churn (0 = deterministic ODE) and the σ window and noise scale it applies to. */
  churn?: number;
  sMin?: number;
  sMax?: number;
  sNoise?: number;
  generator?: Generator;
  onStep?: (s: StepInfo) => void;
  /** Keep x at every σ_i (including the start and the end) in `trajectory`. */
  keepTrajectory?: boolean;
}

export interface SampleResult {
  x: Tensor;
  /** Number of denoiser evaluations. */
  nfe: number;
  trajectory: Tensor[];
}

/**
 * Integrates from x_0 = `x` (already scaled to σ_0, e.g. randn·σ_max) along `sigmas`
 * (decreasing, ending in 0).
 */
export function edmSample(D: Denoiser, x: Tensor, sigmas: number[], o: SamplerOptions = {}): SampleResult {
  const { order = 2, churn = 0, sMin = 0, sMax = Infinity, sNoise = 1, generator, onStep, keepTrajectory = false } = o;
  const N = sigmas.length - 1;
  let nfe = 0;
  const trajectory: Tensor[] = keepTrajectory ? [x.clone()] : [];
  let x_cur = x;
  for (let i = 0; i < N; i++) {
    const t_cur = sigmas[i]!, t_next = sigmas[i + 1]!;
    const x_next = tidy(() => {
      // Increase noise temporarily (Alg. 2, lines 4-6).
      const gamma = t_cur >= sMin && t_cur <= sMax ? Math.min(churn / N, Math.SQRT2 - 1) : 0;
      const t_hat = t_cur * (1 + gamma);
      const x_hat = gamma > 0
        ? x_cur.add(randnLike(x_cur, { generator }).mul(Math.sqrt(t_hat ** 2 - t_cur ** 2) * sNoise))
        : x_cur;
      // Euler step (lines 7-8).
      const denoised = D(x_hat, t_hat);
      nfe += 1;
      const d_cur = x_hat.sub(denoised).div(t_hat);
      let x_new = x_hat.add(d_cur.mul(t_next - t_hat));
      // 2nd-order correction (lines 9-11), skipped at σ_N = 0.
      if (order === 2 && t_next !== 0) {
        const denoised2 = D(x_new, t_next);
        nfe += 1;
        const d_prime = x_new.sub(denoised2).div(t_next);
        x_new = x_hat.add(d_cur.add(d_prime).mul(0.5 * (t_next - t_hat)));
      }
      onStep?.({ i, sigma: t_cur, sigmaNext: t_next, x: x_new, denoised });
      return x_new;
    });
    if (x_cur !== x) x_cur.dispose();
    x_cur = x_next;
    if (keepTrajectory) trajectory.push(x_cur.clone());
  }
  return { x: x_cur === x ? x.clone() : x_cur, nfe, trajectory };
}

/** Deterministic Heun (EDM Algorithm 1): 2N−1 NFE for N steps. */
export function heun(D: Denoiser, x: Tensor, sigmas: number[], o: SamplerOptions = {}): SampleResult {
  return edmSample(D, x, sigmas, { ...o, order: 2, churn: 0 });
}

/** Euler (first order): N NFE. */
export function euler(D: Denoiser, x: Tensor, sigmas: number[], o: SamplerOptions = {}): SampleResult {
  return edmSample(D, x, sigmas, { ...o, order: 1, churn: 0 });
}

/** Stochastic EDM sampler (Algorithm 2) with churn S_churn (default 40, EDM's ImageNet-64 setting). */
export function stochastic(D: Denoiser, x: Tensor, sigmas: number[], o: SamplerOptions = {}): SampleResult {
  return edmSample(D, x, sigmas, { churn: 40, sMin: 0.05, sMax: 50, sNoise: 1.003, ...o, order: 2 });
}

/** The samplers by name, for configs and the CLI. */
export const SAMPLERS = { heun, euler, stochastic } as const;
export type SamplerName = keyof typeof SAMPLERS;
