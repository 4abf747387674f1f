/**
 * The full covariance Σ [m, k, d, d] of each code's Gaussian (`model.codeCovariance: full`;
 * src/disco/gaussian-skip.ts): started at the covariance of the code's k-means cluster, refitted by
 * an EMA of the scatter of the points the code holds, and reset to isotropic when a restart moves the
 * code. Σ itself is the parameter (not its eigenvectors), so the model's weight EMA averages
 * covariances, which stay covariances.
 */
import { F, eye, noGrad, stack, tensor, tidy, where, type Tensor } from '../../engine/index.js';
import { N } from '../../engine/native.js';
import { fusable } from '../fused.js';
import { meanOf, type Point } from './points.js';
import type { RestartMove } from './moves.js';

/** Starts code j's covariance (every latent) at that of its cluster `groups[j]` (covarianceOf). */
export function initCovariances(cov: Tensor, groups: Point[][], minStd: number): void {
  const [m, k, d] = cov.shape as [number, number, number, number];
  const sigma = Float64Array.from(groups.flatMap((pts) => covarianceOf(pts, d, minStd)));
  noGrad(() => tidy(() => cov.copy_(tensor(sigma, { dtype: 'float64', shape: [1, k, d, d] }).expand(m, k, d, d))));
}

/** The unbiased covariance of points (d×d, row-major), or minStd²I for fewer than 2 points. */
export function covarianceOf(pts: Point[], d: number, minStd: number): number[] {
  const sigma = new Array<number>(d * d).fill(0);
  if (pts.length < 2) {
    for (let t = 0; t < d; t++) sigma[t * d + t] = minStd * minStd;
    return sigma;
  }
  const mu = meanOf(pts, d);
  for (const p of pts) {
    for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) sigma[r * d + c]! += ((p[r]! - mu[r]!) * (p[c]! - mu[c]!)) / (pts.length - 1);
  }
  return sigma;
}

/**
 * One EMA step of every code's covariance [m, k, d, d] towards the unbiased scatter S of the batch
 * points it holds (x [B, d], codes [B, m] int64; codes with ≥ 2 points): Σ ← decay·Σ + (1 − decay)·S.
 * The scatter is about the batch mean of the code's points.
 */
export function refitCovariances(cov: Tensor, x: Tensor, codes: Tensor, decay: number): void {
  if (fusable(cov, x)) return N.refitCovariances(cov.id, x.id, codes.id, decay);
  const [m, k, d] = cov.shape as [number, number, number, number];
  tidy(() => noGrad(() => {
    const xs = x.to({ dtype: 'float64' }); // (B, d)
    const outer = xs.unsqueeze(2).mul(xs.unsqueeze(1)).reshape(-1, d * d); // (B, d·d)
    const old = cov.double();
    const next = Array.from({ length: m }, (_, i) => {
      const W = F.oneHot(codes.select(1, i), k).to({ dtype: 'float64' }).transpose(0, 1); // (k, B)
      const n = W.sum(1, true); // (k, 1)
      const mean = W.matmul(xs).div(n.clamp(1)); // (k, d)
      const second = W.matmul(outer).reshape(k, d, d); // Σ_b x xᵀ
      const scatter = second.sub(mean.unsqueeze(2).mul(mean.unsqueeze(1)).mul(n.reshape(k, 1, 1))).div(n.sub(1).clamp(1).reshape(k, 1, 1));
      return where(n.reshape(k, 1, 1).ge(2), old.select(0, i).mul(decay).add(scatter.mul(1 - decay)), old.select(0, i));
    });
    cov.copy_(stack(next, 0));
  }));
}

/** After restarts: a moved code's covariance restarts isotropic at its new scale, std²I. */
export function moveCovariances(cov: Tensor, moves: RestartMove[], minStd: number): void {
  if (!moves.length) return;
  const [, k, d] = cov.shape as [number, number, number, number];
  noGrad(() => tidy(() => {
    for (const mv of moves) {
      cov.reshape(-1, d, d).select(0, mv.latent * k + mv.code).copy_(eye(d, { dtype: cov.dtype }).mul(Math.max(mv.std, minStd) ** 2));
    }
  }));
}
