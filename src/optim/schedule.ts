/** Learning-rate schedules (multipliers of the base lr, as functions of the step) and clipping. */
import { noGrad, tidy, stack, type Tensor } from '../engine/index.js';

/** step → lr multiplier. */
export type Schedule = (step: number) => number;

/** Linear warm-up over `warmup` steps, then constant (EDM's ramp). */
export const warmup = (warmupSteps: number): Schedule => (step) =>
  warmupSteps > 0 ? Math.min(1, (step + 1) / warmupSteps) : 1;

/** Warm-up then cosine decay to `minRatio` at `total` steps. */
export const warmupCosine = (warmupSteps: number, total: number, minRatio = 0): Schedule => (step) => {
  if (step < warmupSteps) return (step + 1) / warmupSteps;
  const t = Math.min(1, (step - warmupSteps) / Math.max(1, total - warmupSteps));
  return minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * t));
};

/**
 * Scales all gradients so that their global L2 norm is at most `maxNorm`; returns the norm before
 * clipping (NaN/∞ when a gradient is not finite).
 */
export function clipGradNorm(params: Tensor[], maxNorm: number): number {
  return noGrad(() => tidy(() => {
    const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
    if (!grads.length) return 0;
    const total = stack(grads.map((g) => g.norm(2))).norm(2).item();
    if (total > maxNorm) for (const g of grads) g.mul_(maxNorm / (total + 1e-6));
    return total;
  }));
}
