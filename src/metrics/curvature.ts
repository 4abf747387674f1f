/**
 * Curvature of probability-flow ODE trajectories (DisCo-Diff App. F.3). For dx/dt = G(x, t) with
 * unit tangent T = G/||G||, one Euler step back in time x(t−Δt) = x(t) − Δt·G(x(t), t) gives
 *   κ ≈ ||T(t) − T(t−Δt)|| / ||x(t) − x(t−Δt)||,
 * averaged over the batch at each time. In EDM t = σ and G = (x − D(x, σ))/σ.
 * The paper uses Δt = 0.001 at every t; over EDM's range σ ∈ [0.002, 80] that step is half of t at
 * the small end (not local) and 1e-5·t at the large end (lost in float32 rounding), so by default
 * Δt is relative: Δt = 1e-3·t. κ still grows like 1/t at small t, because trajectories there are
 * short; the scale-free `turning` = ||T(t) − T(t−Δt)|| / (Δt/t), the direction change per unit
 * of ln t, compares flows over the whole σ range.
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

/** Which curvature: κ per unit arc length (the paper's) or the turning per unit ln t. */
export type CurvatureMeasure = 'arc' | 'turning';

/** κ (or the turning per unit ln t) for one state, one value per sample [B]. */
export function curvatureAt(G: VelocityField, x: Tensor, t: number, dt = 1e-3, measure: CurvatureMeasure = 'arc'): Tensor {
  return tidy(() => noGrad(() => {
    const g = G(x, t).flatten(1);
    const T = g.div(rowNorm(g).clamp(1e-30));
    const xPrev = x.flatten(1).sub(g.mul(dt));            // x(t − Δt), one Euler step
    const gPrev = G(xPrev.reshape(...x.shape), t - dt).flatten(1);
    const TPrev = gPrev.div(rowNorm(gPrev).clamp(1e-30));
    const turn = rowNorm(T.sub(TPrev)).squeeze(1);
    return measure === 'turning' ? turn.mul(t / dt) : turn.div(rowNorm(x.flatten(1).sub(xPrev)).clamp(1e-30).squeeze(1));
  }));
}

/** Finite-difference step and evaluation settings. */
export interface CurvatureOptions {
  /** Fixed step Δt (the paper: 0.001); when absent Δt = relDt·t. */
  dt?: number;
  /** Relative step, default 1e-3. */
  relDt?: number;
  measure?: CurvatureMeasure;
}

/**
 * Mean curvature E[κ] at each trajectory state. States with t ≤ Δt (e.g. the final σ = 0) are
 * skipped, since G is undefined at t − Δt ≤ 0; the returned `t` says which were kept.
 */
export function odeCurvature(G: VelocityField, states: TrajectoryState[], o: CurvatureOptions = {}): TimeSeries {
  const out: TimeSeries = { t: [], value: [] };
  for (const s of states) {
    const dt = o.dt ?? (o.relDt ?? 1e-3) * s.t;
    if (s.t <= dt || s.t <= 0) continue;
    out.t.push(s.t);
    out.value.push(tidy(() => curvatureAt(G, s.x, s.t, dt, o.measure).mean().item()));
  }
  return out;
}
