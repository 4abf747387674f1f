/** EDM's time discretisation (Karras et al. 2022, Eq. 5), with the trailing σ_N = 0. */

/** The grid's ends σ_min, σ_max and its exponent ρ (a run's sample.sigmaMin/sigmaMax/rho). */
export interface ScheduleOptions {
  sigmaMin: number;
  sigmaMax: number;
  rho: number;
}

/** σ_i = (σ_max^{1/ρ} + i/(N−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ for i < N, and σ_N = 0. */
export function edmSigmas(steps: number, o: ScheduleOptions): number[] {
  const { sigmaMin, sigmaMax, rho } = o;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`edmSigmas: steps must be a positive integer, got ${steps}`);
  const a = sigmaMax ** (1 / rho), b = sigmaMin ** (1 / rho);
  const sigmas = Array.from({ length: steps }, (_, i) => (a + (steps > 1 ? i / (steps - 1) : 0) * (b - a)) ** rho);
  return [...sigmas, 0];
}
