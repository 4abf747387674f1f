/**
 * The full covariance of each code's Gaussian (`model.codeCovariance: full`; src/disco/gaussian-skip.ts),
 * kept as axes and variances Σ = U diag(λ) Uᵀ: started at the covariance of the code's k-means
 * cluster, refitted by an EMA of the scatter of the points the code holds, and reset to isotropic
 * when a restart moves the code.
 */
import { F, eye, noGrad, stack, tensor, tidy, where, type Tensor } from '../../engine/index.js';
import { meanOf, type Point } from './points.js';
import type { RestartMove } from './moves.js';
import { N } from '../../engine/native.js';
import { fusable } from '../fused.js';

/** Each code's covariance: axes U [m, k, d, d] (columns) and log-variances log λ [m, k, d], updated in place. */
export interface CodeCovariances {
  axes: Tensor;
  logVars: Tensor;
}

/**
 * Starts code j's covariance (every latent) at the unbiased covariance of its cluster `groups[j]`
 * (isotropic minStd² for a cluster of fewer than 2 points); eigenvalues ≥ minStd².
 */
export function initCovariances(cov: CodeCovariances, groups: Point[][], minStd: number): void {
  const [m, k, d] = cov.logVars.shape as [number, number, number];
  const sigma = Float64Array.from(groups.flatMap((pts) => covarianceOf(pts, d, minStd)));
  tidy(() => diagonalise(cov, tensor(sigma, { dtype: 'float64', shape: [1, k, d, d] }).expand(m, k, d, d), minStd));
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
 * One EMA step of every code's covariance towards the unbiased scatter S of the batch points it
 * holds (x [B, d], codes [B, m] int64; codes with ≥ 2 points): Σ ← decay·Σ + (1 − decay)·S, then
 * diagonalised again, eigenvalues ≥ minStd². The scatter is about the batch mean of the code's points.
 */
export function refitCovariances(cov: CodeCovariances, x: Tensor, codes: Tensor, decay: number, minStd: number): void {
  if (fusable(cov.axes, cov.logVars, x)) return N.refitCovariances(cov.axes.id, cov.logVars.id, x.id, codes.id, decay, minStd);
  const [m, k, d] = cov.logVars.shape as [number, number, number];
  tidy(() => noGrad(() => {
    const xs = x.to({ dtype: 'float64' }); // (B, d)
    const outer = xs.unsqueeze(2).mul(xs.unsqueeze(1)).reshape(-1, d * d); // (B, d·d)
    const U = cov.axes.double(), old = U.mul(cov.logVars.double().exp().unsqueeze(-2)).matmul(U.transpose(-1, -2)); // U diag(λ) Uᵀ
    const next = Array.from({ length: m }, (_, i) => {
      const W = F.oneHot(codes.select(1, i), k).to({ dtype: 'float64' }).transpose(0, 1); // (k, B)
      const n = W.sum(1, true); // (k, 1)
      const mean = W.matmul(xs).div(n.clamp(1)); // (k, d)
      const second = W.matmul(outer).reshape(k, d, d); // Σ_b x xᵀ
      const scatter = second.sub(mean.unsqueeze(2).mul(mean.unsqueeze(1)).mul(n.reshape(k, 1, 1))).div(n.sub(1).clamp(1).reshape(k, 1, 1));
      const ema = old.select(0, i).mul(decay).add(scatter.mul(1 - decay));
      return where(n.reshape(k, 1, 1).ge(2), ema, old.select(0, i));
    });
    diagonalise(cov, stack(next, 0), minStd);
  }));
}

/** After restarts: a moved code's covariance restarts isotropic at its new scale (U = I, λ = std²). */
export function moveCovariances(cov: CodeCovariances, moves: RestartMove[], minStd: number): void {
  if (!moves.length) return;
  const [, k, d] = cov.logVars.shape as [number, number, number];
  noGrad(() => tidy(() => {
    for (const mv of moves) {
      const at = mv.latent * k + mv.code;
      cov.axes.reshape(-1, d, d).select(0, at).copy_(eye(d, { dtype: cov.axes.dtype }));
      cov.logVars.reshape(-1, d).select(0, at).fill_(2 * Math.log(Math.max(mv.std, minStd)));
    }
  }));
}

/** Diagonalises symmetric Σ [..., d, d] into the covariances' axes [..., d, d] and log-variances [..., d] (λ ≥ minStd²). */
export function diagonalise(cov: CodeCovariances, sigma: Tensor, minStd: number): void {
  noGrad(() => tidy(() => {
    const { values, vectors } = F.eigh(sigma.double());
    cov.axes.copy_(vectors.to({ dtype: cov.axes.dtype }));
    cov.logVars.copy_(values.clamp(minStd * minStd).log().to({ dtype: cov.logVars.dtype }));
  }));
}
