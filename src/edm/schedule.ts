/** EDM's time discretisation (Karras et al. 2022, Eq. 5), with the trailing σ_N = 0. */
export interface ScheduleOptions {
  sigmaMin?: number;
  sigmaMax?: number;
  rho?: number;
}

/** σ_i = (σ_max^{1/ρ} + i/(N−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ for i < N, and σ_N = 0. */
export function edmSigmas(steps: number, o: ScheduleOptions = {}): number[] {
  const { sigmaMin = 0.002, sigmaMax = 80, rho = 7 } = o;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`edmSigmas: steps must be a positive integer, got ${steps}`);
  const a = sigmaMax ** (1 / rho), b = sigmaMin ** (1 / rho);
  const sigmas = Array.from({ length: steps }, (_, i) => (a + (steps > 1 ? i / (steps - 1) : 0) * (b - a)) ** rho);
  return [...sigmas, 0];
}
