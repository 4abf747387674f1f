/**
 * Wasserstein-2 distances between point clouds: exact W2 by optimal assignment (equal sizes),
 * and sliced W2 by sorting random 1-D projections (any sizes, large n).
 */
import { Generator, randn, type Tensor } from '../engine/index.js';
import { linearAssignment, type Assignment } from './assignment.js';

/** Points as a tensor [n, d] or a flat row-major array with its dimension. */
export type Points = Tensor | { data: ArrayLike<number>; dim: number };

/** Flat float64 copy and shape of a point set. */
export function toPoints(p: Points): { data: Float64Array; n: number; d: number } {
  if ('dim' in p) return { data: Float64Array.from(p.data), n: p.data.length / p.dim, d: p.dim };
  if (p.ndim !== 2) throw new Error(`points: expected shape [n, d], got [${p.shape}]`);
  return { data: Float64Array.from(p.dataSync() as ArrayLike<number>), n: p.size(0), d: p.size(1) };
}

/** Row-major matrix of squared Euclidean distances |a_i − b_j|². */
export function sqDistMatrix(a: Float64Array, b: Float64Array, n: number, m: number, d: number): Float64Array {
  const c = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) { const t = a[i * d + k]! - b[j * d + k]!; s += t * t; }
      c[i * m + j] = s;
    }
  }
  return c;
}

/** Exact W2 = sqrt(mean |a_i − b_σ(i)|²) under the optimal matching σ of two equal-size sets. */
export function w2(a: Points, b: Points): number {
  return w2Matching(a, b).w2;
}

/** Exact W2 together with the optimal matching (row i of `a` ↦ `rowToCol[i]` of `b`). */
export function w2Matching(a: Points, b: Points): { w2: number } & Assignment {
  const A = toPoints(a), B = toPoints(b);
  if (A.n !== B.n || A.d !== B.d) throw new Error(`w2: point sets must match in size and dim, got [${A.n}, ${A.d}] and [${B.n}, ${B.d}]`);
  const res = linearAssignment(sqDistMatrix(A.data, B.data, A.n, B.n, A.d), A.n);
  return { w2: A.n === 0 ? 0 : Math.sqrt(Math.max(0, res.cost) / A.n), ...res };
}

/**
 * Sliced W2: sqrt(E_θ W2²(θ·a, θ·b)) over `projections` random unit directions θ, each 1-D
 * problem solved by sorting (sizes may differ: quantiles are matched on a common grid).
 * For data on a line in d dims it equals W2/√d; in 1-D it is W2 exactly.
 */
export function slicedW2(a: Points, b: Points, o: { projections?: number; seed?: number } = {}): number {
  const A = toPoints(a), B = toPoints(b);
  if (A.d !== B.d) throw new Error(`slicedW2: dims differ (${A.d} vs ${B.d})`);
  const L = o.projections ?? 256, d = A.d;
  const g = new Generator(o.seed ?? 0);
  const dirsT = randn([L, d], { generator: g, dtype: 'float64' });
  const dirs = dirsT.dataSync() as Float64Array;
  dirsT.dispose();
  g.dispose();
  const pa = new Float64Array(A.n), pb = new Float64Array(B.n);
  let total = 0;
  for (let l = 0; l < L; l++) {
    const th = dirs.subarray(l * d, l * d + d);
    const norm = Math.hypot(...th) || 1;
    project(A.data, A.n, d, th, norm, pa);
    project(B.data, B.n, d, th, norm, pb);
    total += w2Sq1d(pa.sort(), pb.sort());
  }
  return Math.sqrt(total / L);
}

function project(x: Float64Array, n: number, d: number, th: Float64Array, norm: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += x[i * d + k]! * th[k]!;
    out[i] = s / norm;
  }
}

/** W2² between two sorted 1-D samples (equal sizes: pair in order; else integrate quantiles). */
export function w2Sq1d(a: Float64Array, b: Float64Array): number {
  const n = a.length, m = b.length;
  if (n === m) {
    let s = 0;
    for (let i = 0; i < n; i++) s += (a[i]! - b[i]!) ** 2;
    return n === 0 ? 0 : s / n;
  }
  // Quantile functions are step functions; walk the merged breakpoints k/n and l/m.
  let s = 0, i = 0, j = 0, t = 0;
  while (i < n && j < m) {
    const ta = (i + 1) / n, tb = (j + 1) / m, next = Math.min(ta, tb);
    s += (next - t) * (a[i]! - b[j]!) ** 2;
    t = next;
    if (ta <= next) i++;
    if (tb <= next) j++;
  }
  return s;
}
