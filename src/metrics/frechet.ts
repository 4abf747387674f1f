/**
 * Fréchet distance between Gaussians fitted to two feature sets (Heusel et al. 2017, the "FID"
 * formula; with our Fashion-MNIST classifier's features we call it FD-FMNIST, never FID):
 *   FD = ‖μ1 − μ2‖² + Tr(C1 + C2 − 2 (C1^{1/2} C2 C1^{1/2})^{1/2}).
 * The engine has no eigen-decomposition, so a cyclic Jacobi solver in float64 supplies the matrix
 * square roots (fine up to a few hundred dimensions).
 */
import { noGrad, tidy, type Tensor } from '../engine/index.js';

/** A symmetric matrix's eigenvalues (ascending) and eigenvectors (column j of `vectors`, row-major n×n). */
export interface Eigen {
  values: Float64Array;
  vectors: Float64Array;
}

/**
 * Eigen-decomposition of a symmetric n×n matrix (row-major; not modified) by cyclic Jacobi
 * rotations (Golub & Van Loan, Alg. 8.5.3): sweeps over all (p, q) zero each off-diagonal
 * element in turn until the off-diagonal norm is below `tol`·‖A‖_F.
 */
export function symmetricEigen(A: ArrayLike<number>, n: number, o: { tol?: number; maxSweeps?: number } = {}): Eigen {
  const { tol = 1e-14, maxSweeps = 100 } = o;
  if (A.length !== n * n) throw new Error(`symmetricEigen: ${A.length} values do not make a ${n}×${n} matrix`);
  const a = Float64Array.from(A);
  // Rounding of a product such as WᵀW is relative to the matrix's largest entries, not to each entry.
  const scale = a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const d = Math.abs(a[i * n + j]! - a[j * n + i]!);
      if (d > 1e-8 * (Math.abs(a[i * n + j]!) + Math.abs(a[j * n + i]!)) + 1e-12 * scale) {
        throw new Error(`symmetricEigen: matrix is not symmetric (A[${i},${j}] = ${a[i * n + j]}, A[${j},${i}] = ${a[j * n + i]})`);
      }
      a[i * n + j] = a[j * n + i] = 0.5 * (a[i * n + j]! + a[j * n + i]!);
    }
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const frob = Math.sqrt(a.reduce((s, x) => s + x * x, 0));
  const offNorm = (): number => {
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += 2 * a[i * n + j]! ** 2;
    return Math.sqrt(s);
  };
  let sweeps = 0;
  for (; sweeps < maxSweeps && offNorm() > tol * frob; sweeps++) {
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        // Rotation J(p, q, θ) with c, s chosen so that (JᵀAJ)_pq = 0 (the smaller root t).
        const tau = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t), s = t * c;
        for (let k = 0; k < n; k++) { // A ← A J (columns p, q)
          const akp = a[k * n + p]!, akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) { // A ← Jᵀ A (rows p, q)
          const apk = a[p * n + k]!, aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        a[p * n + q] = a[q * n + p] = 0;
        for (let k = 0; k < n; k++) { // V ← V J
          const vkp = v[k * n + p]!, vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  if (offNorm() > Math.max(tol, 1e-10) * frob) throw new Error(`symmetricEigen: no convergence after ${maxSweeps} sweeps`);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i * n + i]! - a[j * n + j]!);
  const values = Float64Array.from(order, (i) => a[i * n + i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => { for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src]!; });
  return { values, vectors };
}

/** V f(Λ) Vᵀ for a symmetric matrix: the matrix function f applied through the eigenvalues. */
export function symmetricFunction(A: ArrayLike<number>, n: number, f: (lambda: number) => number): Float64Array {
  const { values, vectors: V } = symmetricEigen(A, n);
  const fl = values.map(f);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += V[i * n + k]! * fl[k]! * V[j * n + k]!;
      out[i * n + j] = out[j * n + i] = s;
    }
  }
  return out;
}

/** Square root of a symmetric positive semi-definite matrix (negative round-off eigenvalues → 0). */
export function sqrtPsd(A: ArrayLike<number>, n: number): Float64Array {
  return symmetricFunction(A, n, (l) => Math.sqrt(Math.max(l, 0)));
}

/** n×n row-major product. */
function matmul(A: Float64Array, B: Float64Array, n: number): Float64Array {
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = A[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) C[i * n + j]! += aik * B[k * n + j]!;
    }
  }
  return C;
}

/** Mean and covariance of a Gaussian (dimension d; covariance row-major d×d). */
export interface GaussianStats {
  mu: Float64Array;
  cov: Float64Array;
  d: number;
}

/** Mean and (unbiased, N − 1) covariance of features [N, d], computed in float64. */
export function featureStats(features: Tensor): GaussianStats {
  if (features.ndim !== 2 || features.size(0) < 2) {
    throw new Error(`featureStats: expects features [N ≥ 2, d], got shape [${features.shape}]`);
  }
  return noGrad(() => tidy(() => {
    const x = features.double();
    const [N, d] = x.shape as [number, number];
    const mu = x.mean(0);
    const xc = x.sub(mu);
    const cov = xc.mT.matmul(xc).div(N - 1);
    return { mu: mu.dataSync() as Float64Array, cov: cov.dataSync() as Float64Array, d };
  }));
}

/** FD = ‖μ1 − μ2‖² + Tr(C1) + Tr(C2) − 2 Tr((C1^{1/2} C2 C1^{1/2})^{1/2}). */
export function frechetDistance(a: GaussianStats, b: GaussianStats): number {
  if (a.d !== b.d) throw new Error(`frechetDistance: dimensions differ (${a.d} vs ${b.d})`);
  const n = a.d;
  let meanTerm = 0, trace = 0;
  for (let i = 0; i < n; i++) {
    meanTerm += (a.mu[i]! - b.mu[i]!) ** 2;
    trace += a.cov[i * n + i]! + b.cov[i * n + i]!;
  }
  const s1 = sqrtPsd(a.cov, n);
  const M = matmul(matmul(s1, b.cov, n), s1, n); // symmetric PSD, same spectrum as C1 C2
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) M[i * n + j] = M[j * n + i] = 0.5 * (M[i * n + j]! + M[j * n + i]!);
  const { values } = symmetricEigen(M, n);
  const trSqrt = values.reduce((s, l) => s + Math.sqrt(Math.max(l, 0)), 0);
  return Math.max(meanTerm + trace - 2 * trSqrt, 0);
}

/** FD between the Gaussians fitted to two feature sets [N, d] and [M, d]. */
export function frechetDistanceFeatures(a: Tensor, b: Tensor): number {
  return frechetDistance(featureStats(a), featureStats(b));
}
