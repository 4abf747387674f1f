/**
 * EDM samplers (Karras et al. 2022): Algorithm 2 (stochastic, Heun 2nd order with churn); with
 * S_churn = 0 it is Algorithm 1 (deterministic Heun, 2N−1 NFE), and with order 1 it is Euler.
 * The Restart sampler (Xu et al. 2023) runs Heun and jumps back up inside chosen σ intervals.
 * Samplers see a denoiser D(x, σ) only: conditioning and guidance live in the closure.
 */
import { randnLike, tidy, type Generator, type Tensor } from '../engine/index.js';
import { edmSigmas } from './schedule.js';

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

/** Solver settings shared by every sampler. */
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
  /** The Restart sampler's intervals (required by `restart`, ignored by the others). */
  restart?: RestartInterval[];
  /** ρ of the Restart passes' σ grids (EDM Eq. 5; required by `restart`, ignored by the others). */
  rho?: number;
}

/** The final x, the trajectory when kept, and the network evaluations. */
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

/**
 * One Restart interval [t_min, t_max] (Xu et al. 2023; its multi-interval [N_Restart, K, t_min,
 * t_max]). Each of the K restarts adds forward noise from t_min to t_max and re-solves back down with
 * `steps` Heun steps on an EDM grid from t_max to t_min (the official code's N_Restart counts that
 * grid's points: N_Restart = steps + 1).
 */
export interface RestartInterval {
  tMin: number;
  tMax: number;
  /** Number of restarts K (0 = plain Heun). */
  K: number;
  /** Heun steps per restart (2·steps NFE each). */
  steps: number;
}

/** A Restart interval placed on the main grid: K passes along `grid` (t_max down to the snapped t_min). */
export interface RestartStop {
  /** Index of the interval in the list given. */
  interval: number;
  K: number;
  grid: number[];
}

/**
 * Where the Restart intervals act on the main grid `sigmas` (decreasing, ending in 0): each t_min
 * snaps to the nearest interior σ_j (0 < j < N), as in the official code, and the restarts run
 * after the main step that lands on σ_j, along EDM's grid (Eq. 5, exponent `rho`) from t_max to
 * σ_j. Returns j ↦ its stop. Throws naming the interval when one is malformed or cannot act on
 * this grid.
 */
export function restartPlan(sigmas: number[], intervals: RestartInterval[], rho: number): Map<number, RestartStop> {
  const N = sigmas.length - 1;
  if (N < 2) throw new Error(`restart: needs at least 2 main steps (an interior σ to restart from), got ${N}`);
  const plan = new Map<number, RestartStop>();
  intervals.forEach(({ tMin, tMax, K, steps }, at) => {
    const name = `restart interval ${at} [t_min ${tMin}, t_max ${tMax}]`;
    if (!Number.isInteger(K) || K < 0) throw new Error(`${name}: K must be a non-negative integer, got ${K}`);
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`${name}: steps must be a positive integer, got ${steps}`);
    if (!(tMin > 0 && tMin < tMax && Number.isFinite(tMax))) throw new Error(`${name}: needs 0 < t_min < t_max < ∞`);
    let j = 1;
    for (let i = 2; i < N; i++) if (Math.abs(sigmas[i]! - tMin) < Math.abs(sigmas[j]! - tMin)) j = i;
    const sj = sigmas[j]!;
    if (sj >= tMax) {
      throw new Error(`${name}: t_min snaps to the main grid's σ_${j} = ${sj}, which is not below t_max; ` +
        'raise t_max or use more main steps');
    }
    const clash = plan.get(j);
    if (clash) throw new Error(`${name}: snaps to σ_${j} = ${sj} like restart interval ${clash.interval}; merge them or use more main steps`);
    const grid = edmSigmas(steps + 1, { sigmaMin: sj, sigmaMax: tMax, rho }).slice(0, -1);
    grid[0] = tMax;
    grid[steps] = sj;
    plan.set(j, { interval: at, K, grid });
  });
  return plan;
}

/**
 * Restart sampler (Xu et al. 2023, Algorithm 1 with several intervals): Heun along `sigmas`; on
 * reaching an interval's t_min, K times x ← x + sqrt(t_max² − t_min²)·ε, ε ~ N(0, I), then Heun
 * from t_max back to t_min. NFE = 2N − 1 + Σ 2·K·steps (`samplerNfe`). `onStep` sees every Heun
 * step, restart passes with the `i` of the main step they follow; the trajectory keeps x at each
 * main σ_i, after that σ's restarts.
 */
export function restart(D: Denoiser, x: Tensor, sigmas: number[], o: SamplerOptions = {}): SampleResult {
  const { generator, onStep, keepTrajectory = false } = o;
  if (!o.restart?.length) throw new Error('restart: give at least one interval (SamplerOptions.restart)');
  if (o.rho === undefined) throw new Error('restart: give ρ of the restart grids (SamplerOptions.rho)');
  const plan = restartPlan(sigmas, o.restart, o.rho);
  let nfe = 0;
  const solve = (x0: Tensor, grid: number[], i: number): Tensor => {
    const r = heun(D, x0, grid, { onStep: onStep && ((s) => onStep({ ...s, i })) });
    nfe += r.nfe;
    return r.x;
  };
  const trajectory: Tensor[] = keepTrajectory ? [x.clone()] : [];
  let x_cur = x;
  for (let i = 0; i + 1 < sigmas.length; i++) {
    let x_next = solve(x_cur, [sigmas[i]!, sigmas[i + 1]!], i);
    const r = plan.get(i + 1);
    for (let k = 0; r && k < r.K; k++) {
      const t_max = r.grid[0]!, t_min = r.grid.at(-1)!;
      const x_up = tidy(() => x_next.add(randnLike(x_next, { generator }).mul(Math.sqrt(t_max ** 2 - t_min ** 2))));
      x_next.dispose();
      x_next = solve(x_up, r.grid, i);
      x_up.dispose();
    }
    if (x_cur !== x) x_cur.dispose();
    x_cur = x_next;
    if (keepTrajectory) trajectory.push(x_cur.clone());
  }
  return { x: x_cur === x ? x.clone() : x_cur, nfe, trajectory };
}

/** The samplers by name, for configs and the CLI. */
export const SAMPLERS = { heun, euler, stochastic, restart } as const;
/** The samplers by name. */
export type SamplerName = keyof typeof SAMPLERS;

/** Denoiser evaluations of N main steps (σ_N = 0): N (Euler), 2N − 1 (Heun, stochastic), 2N − 1 + Σ 2·K·steps (Restart). */
export function samplerNfe(sampler: SamplerName, N: number, intervals: RestartInterval[] = []): number {
  if (sampler === 'euler') return N;
  const restarts = sampler === 'restart' ? intervals.reduce((a, r) => a + 2 * r.K * r.steps, 0) : 0;
  return 2 * N - 1 + restarts;
}
