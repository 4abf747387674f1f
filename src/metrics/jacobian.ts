/**
 * Network complexity along trajectories: E_x ||∇ₓG(x, t)||_F² per time (DisCo-Diff, Xu et al.
 * 2024). Exact (one vector–Jacobian product per output dim) for small dims, else Hutchinson's estimator
 * ||J||_F² = E_v ||vᵀJ||² with v ~ N(0, I).
 */
import { Generator, enableGrad, grad, randn, tidy, zeros, type Tensor } from '../engine/index.js';
import type { TimeSeries, TrajectoryState, VelocityField } from './curvature.js';

/** Per-sample ||vᵀ ∂G/∂x||² [B] for cotangent v shaped like G(x, t). */
function vjpNormSq(G: VelocityField, x: Tensor, t: number, makeV: (y: Tensor) => Tensor): Tensor {
  return tidy(() => enableGrad(() => {
    const xr = x.detach().requiresGrad_();
    const y = G(xr, t);
    const [g] = grad(y, [xr], { gradOutputs: [makeV(y)] });
    return g!.flatten(1).square().sum(1).detach();
  }));
}

/** Per-sample ||∂G/∂x||_F² [B] at (x, t): exact when dim ≤ exactMaxDim, else Hutchinson. */
export function jacobianFrobSqAt(G: VelocityField, x: Tensor, t: number,
  o: { probes?: number; exactMaxDim?: number; generator?: Generator } = {}): Tensor {
  const D = x.numel / x.size(0);
  return tidy(() => {
    let acc = zeros([x.size(0)], { device: x.device });
    if (D <= (o.exactMaxDim ?? 16)) {
      for (let k = 0; k < D; k++) {      // row k of J for every sample: cotangent e_k
        const rowK = vjpNormSq(G, x, t, (y) => tidy(() => {
          const e = zeros([1, D], { dtype: y.dtype, device: y.device });
          e.select(1, k).fill_(1);
          return e.expand(y.size(0), D).reshape(...y.shape);
        }));
        acc = acc.add(rowK);
      }
      return acc;
    }
    const P = o.probes ?? 8;
    for (let p = 0; p < P; p++) {
      acc = acc.add(vjpNormSq(G, x, t, (y) => randn(y.shape, { dtype: y.dtype, device: y.device, generator: o.generator })));
    }
    return acc.div(P);
  });
}

/** E||∇ₓG||_F² at each trajectory state (batch mean). Works inside noGrad. */
export function jacobianNorm(G: VelocityField, states: TrajectoryState[],
  o: { probes?: number; exactMaxDim?: number; generator?: Generator } = {}): TimeSeries {
  const out: TimeSeries = { t: [], value: [] };
  for (const s of states) {
    if (s.t <= 0) continue;
    out.t.push(s.t);
    out.value.push(tidy(() => jacobianFrobSqAt(G, s.x, s.t, o).mean().item()));
  }
  return out;
}
