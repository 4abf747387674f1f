/**
 * Curvature of probability-flow ODE trajectories (DisCo-Diff App. F.3). For dx/dt = G(x, t) with
 * unit tangent T = G/||G||, one Euler step back in time x(t−Δt) = x(t) − Δt·G(x(t), t) gives
 *   κ ≈ ||T(t) − T(t−Δt)|| / ||x(t) − x(t−Δt)||,
 * averaged over the batch at each time. In EDM t = σ and G = (x − D(x, σ))/σ.
 */
import { noGrad, tidy, type Tensor } from '../engine/index.js';

/** A velocity field dx/dt = G(x, t) on batches x [B, ...]; may close over latents or labels. */
export type VelocityField = (x: Tensor, t: number) => Tensor;

/** One state of a batch of trajectories at time t. */
export interface TrajectoryState {
  t: number;
  x: Tensor;
}

/** A curve of per-time batch means. */
export interface TimeSeries {
  t: number[];
  value: number[];
}

/** The EDM probability-flow velocity (x − D(x, σ))/σ of a denoiser D. */
export function edmVelocity(denoise: (x: Tensor, sigma: number) => Tensor): VelocityField {
  return (x, sigma) => tidy(() => x.sub(denoise(x, sigma)).div(sigma));
}

/** Per-sample Euclidean norm over all but the batch dim, [B, 1]. */
export function rowNorm(x: Tensor): Tensor {
  return tidy(() => x.flatten(1).norm(2, 1, true));
}

/** κ for one state, one value per sample [B]. */
export function curvatureAt(G: VelocityField, x: Tensor, t: number, dt = 1e-3): Tensor {
  return tidy(() => noGrad(() => {
    const g = G(x, t).flatten(1);
    const T = g.div(rowNorm(g).clamp(1e-30));
    const xPrev = x.flatten(1).sub(g.mul(dt));            // x(t − Δt), one Euler step
    const gPrev = G(xPrev.reshape(...x.shape), t - dt).flatten(1);
    const TPrev = gPrev.div(rowNorm(gPrev).clamp(1e-30));
    return rowNorm(T.sub(TPrev)).div(rowNorm(x.flatten(1).sub(xPrev)).clamp(1e-30)).squeeze(1);
  }));
}

/**
 * Mean curvature E[κ] at each trajectory state. States with t ≤ Δt (e.g. the final σ = 0) are
 * skipped, since G is undefined at t − Δt ≤ 0; the returned `t` says which were kept.
 */
export function odeCurvature(G: VelocityField, states: TrajectoryState[], o: { dt?: number } = {}): TimeSeries {
  const dt = o.dt ?? 1e-3;
  const out: TimeSeries = { t: [], value: [] };
  for (const s of states) {
    if (s.t <= dt) continue;
    out.t.push(s.t);
    out.value.push(tidy(() => curvatureAt(G, s.x, s.t, dt).mean().item()));
  }
  return out;
}
