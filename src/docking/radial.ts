/** Radial features of interatomic distances for the docking score network. */
import { linspace, type Tensor } from '../engine/index.js';

/**
 * Gaussian radial basis of distances d [E] → [E, count] (DiffDock's Gaussian smearing, as in
 * SchNet): exp(−(d − μ_k)² / (2Δ²)), centres μ_k evenly spaced on [0, cutoff], Δ their spacing.
 * Distances beyond the cutoff fade to zero.
 */
export function gaussianRbf(d: Tensor, count: number, cutoff: number): Tensor {
  if (count < 2) throw new Error(`gaussianRbf: needs at least 2 centres, got ${count}`);
  if (!(cutoff > 0)) throw new Error(`gaussianRbf: cutoff must be positive, got ${cutoff}`);
  const spacing = cutoff / (count - 1);
  const mu = linspace(0, cutoff, count, { dtype: d.dtype, device: d.device });
  return d.unsqueeze(1).sub(mu.unsqueeze(0)).div(spacing).square().mul(-0.5).exp(); // (E, count)
}
