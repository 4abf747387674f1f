/**
 * The first principal components of points [N, D], to draw points of any dimension in 2-D. The
 * top of the covariance's spectrum comes from subspace iteration (Golub & Van Loan, Alg. 8.2.7)
 * and a Rayleigh–Ritz step, whose small q×q eigenproblems the Jacobi solver handles; the D×D
 * covariance is never formed, so any D works. For D ≤ q the first step is already exact.
 */
import { Generator, randn, tensor, tidy, type Tensor } from '../engine/index.js';
import { symmetricEigen } from '../metrics/frechet.js';

/** The centre and the first k principal axes of some points. */
export interface PrincipalAxes {
  /** float64 [D]. */
  mean: Tensor;
  /** float64 [D, k], orthonormal columns by decreasing variance (a column of zeros past the points' rank). */
  axes: Tensor;
}

/** Rows the axes are fitted to (the first ones): plenty for a picture, and the cost stays O(rows·D). */
const FIT_ROWS = 10_000;
/** Extra directions iterated beyond k, and the iterations: enough for the picture's two axes. */
const OVERSAMPLE = 8, ITERATIONS = 12;

/** Fits the first `k` principal axes of x [N, D]. Dispose both tensors (or call inside tidy). */
export function principalAxes(x: Tensor, k = 2): PrincipalAxes {
  if (x.ndim !== 2) throw new Error(`principalAxes: expected points [N, D], got [${x.shape}]`);
  return tidy(() => {
    const X = x.slice(0, 0, Math.min(x.size(0), FIT_ROWS)).double();
    const mean = X.mean(0);
    const Xc = X.sub(mean), D = X.size(1);
    const g = new Generator(0);
    let V = randn([D, Math.min(D, k + OVERSAMPLE)], { generator: g, dtype: 'float64' });
    g.dispose();
    for (let i = 0; i < ITERATIONS && V.size(1) > 0; i++) V = orthonormal(Xc.mT.matmul(Xc.matmul(V)));
    const q = V.size(1);
    if (q === 0) return { mean, axes: tensor(new Float64Array(D * k), { dtype: 'float64', shape: [D, k] }) };  // all points equal
    const Y = Xc.matmul(V);
    const ritz = symmetricEigen(Y.mT.matmul(Y).dataSync() as Float64Array, q);
    // Eigenvectors of VᵀCV, largest first, padded with zero columns up to k.
    const U = Array.from({ length: q }, (_, r) => Array.from({ length: k }, (_, c) => (c < q ? ritz.vectors[r * q + q - 1 - c]! : 0)));
    const axes = V.matmul(tensor(U, { dtype: 'float64' }));
    return { mean, axes };
  });
}

/** Points [..., D] on the axes: float32 [..., k]. */
export function projectOnAxes(x: Tensor, p: PrincipalAxes): Tensor {
  return tidy(() => x.double().sub(p.mean).matmul(p.axes).float());
}

/**
 * An orthonormal basis of the columns of W [D, q] through the eigenvectors of WᵀW (W U Λ^{-1/2});
 * directions with eigenvalue ≤ 1e-12·max are dropped (points of lower rank than q).
 */
function orthonormal(W: Tensor): Tensor {
  const q = W.size(1);
  const { values, vectors } = symmetricEigen(W.mT.matmul(W).dataSync() as Float64Array, q);
  const top = values[q - 1]!;
  const kept = Array.from({ length: q }, (_, j) => j).filter((j) => values[j]! > 1e-12 * top && top > 0);
  const U = Array.from({ length: q }, (_, r) => kept.map((j) => vectors[r * q + j]! / Math.sqrt(values[j]!)));
  return kept.length ? W.matmul(tensor(U, { dtype: 'float64' })) : W.slice(1, 0, 0);
}
