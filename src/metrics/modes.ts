/**
 * Mode coverage of samples from a known Gaussian mixture, and how well discrete latent codes
 * line up with the mixture components (purity, confusion table, code usage).
 */
import type { Tensor } from '../engine/index.js';
import { toPoints, w2, type Points } from './ot.js';
import { countsEntropy } from './code-usage.js';

/** Mode statistics of samples against a mixture with `centers`. */
export interface ModeStats {
  /** Fraction of samples farther than `radius` from every centre. */
  offModeFraction: number;
  /** Per-mode share of the on-mode samples (nearest-centre assignment); sums to 1 (or all 0). */
  weights: number[];
  /** Per-mode sample counts (on-mode samples only). */
  counts: number[];
  /** max_k |weights[k] − trueWeights[k]|. */
  maxWeightError: number;
  /** Modes holding no on-mode sample. */
  missingModes: number;
}

/** A Gaussian mixture's modes as the mode metrics see them. */
export interface MixtureModes {
  centers: number[][];
  /** Isotropic standard deviation of every mode (ignored with `covariances`). */
  std?: number;
  /** Off-mode radius in data units (default: OFF_MODE_TAIL's radius for std, std 0.2 when absent; 5·std in 2-D). */
  radius?: number;
  /** True mode weights (default uniform). */
  trueWeights?: number[];
  /** Per-mode covariances (d×d): the assignment and the off-mode test use their Mahalanobis metrics. */
  covariances?: number[][][];
}

/**
 * How rarely a mode's own points fall off-mode: beyond 5 standard deviations of a 2-D Gaussian,
 * P(χ²₂ > 25) = e^−12.5 ≈ 3.7·10⁻⁶. In D dimensions the off-mode radius is the one a D-dimensional
 * Gaussian's points pass as rarely (its squared distance is χ²_D: 5σ would call most of a D = 32
 * mode's own points off-mode).
 */
export const OFF_MODE_TAIL = Math.exp(-12.5);

/**
 * Each point's nearest mode and whether it lies within the off-mode limit of it: squared distance
 * at most χ²_D's (1 − OFF_MODE_TAIL) quantile, in units of the modes' std (Euclidean) or in the
 * Mahalanobis metric of that mode when covariances are given; or within an explicit `radius`.
 */
export function nearestModes(points: Points, m: MixtureModes): { mode: Int32Array; onMode: Uint8Array } {
  const { data, n, d } = toPoints(points);
  const K = m.centers.length;
  const precisions = m.covariances?.map(inverse) ?? null;
  const tail = chiSquareQuantile(d, OFF_MODE_TAIL);
  const limit = precisions ? tail : m.radius !== undefined ? m.radius ** 2 : (m.std ?? 0.2) ** 2 * tail;
  const mode = new Int32Array(n), onMode = new Uint8Array(n);
  const diff = new Array<number>(d);
  for (let i = 0; i < n; i++) {
    let best = -1, bestD = Infinity;
    for (let k = 0; k < K; k++) {
      for (let t = 0; t < d; t++) diff[t] = data[i * d + t]! - m.centers[k]![t]!;
      const s = precisions ? quadratic(precisions[k]!, diff) : diff.reduce((a, v) => a + v * v, 0);
      if (s < bestD) { bestD = s; best = k; }
    }
    mode[i] = best;
    onMode[i] = bestD <= limit ? 1 : 0;
  }
  return { mode, onMode };
}

/**
 * Off-mode fraction and mode weights: a sample is off-mode beyond `radius` of its nearest centre
 * (default in 2-D 5·std, 1.0 for the paper's σ = 0.2; in D dimensions the radius of the same tail,
 * OFF_MODE_TAIL), or as far in the Mahalanobis metric of per-mode `covariances`; the true weights
 * default to uniform.
 */
export function modeStats(samples: Points, centers: number[][], o: Omit<MixtureModes, 'centers'> = {}): ModeStats {
  const K = centers.length;
  const { mode, onMode } = nearestModes(samples, { ...o, centers });
  const counts = new Array<number>(K).fill(0);
  for (let i = 0; i < mode.length; i++) if (onMode[i]) counts[mode[i]!]!++;
  const n = mode.length, on = counts.reduce((a, c) => a + c, 0), off = n - on;
  const weights = counts.map((c) => (on > 0 ? c / on : 0));
  const truth = o.trueWeights ?? new Array<number>(K).fill(1 / K);
  const maxWeightError = Math.max(...weights.map((w, k) => Math.abs(w - truth[k]!)));
  return { offModeFraction: n > 0 ? off / n : 0, weights, counts, maxWeightError, missingModes: counts.filter((c) => c === 0).length };
}

/** W2 within the modes of a mixture, with how the two sets' mode weights differ. */
export interface WithinModeW2 {
  /** sqrt(Σ_k w_k W2_k² / Σ_k w_k) over the modes both sets reach, w_k the true weights. */
  w2: number;
  /** W2_k per mode (NaN where a set has no point of the mode). */
  perMode: number[];
  /** Total variation ½ Σ_k |p_k − q_k| between the two sets' nearest-mode shares. */
  weightTV: number;
}

/**
 * W2 between two point sets within each mode of a mixture, so that the multinomial lottery of
 * how many points each mode holds does not enter it: every point (off-mode ones included) goes to
 * its nearest mode, mode k's W2_k is the exact W2 between the first min(n_k, m_k) points of each set
 * there, and the modes are averaged in W2² by their true weights. The shares' difference is
 * reported beside it as a total variation.
 */
export function withinModeW2(a: Points, b: Points, m: MixtureModes): WithinModeW2 {
  const A = toPoints(a), B = toPoints(b);
  if (A.d !== B.d) throw new Error(`withinModeW2: dims differ (${A.d} vs ${B.d})`);
  const K = m.centers.length, d = A.d;
  const truth = m.trueWeights ?? new Array<number>(K).fill(1 / K);
  const byMode = (P: { data: Float64Array; n: number }, mode: Int32Array) => {
    const rows: number[][] = Array.from({ length: K }, () => []);
    for (let i = 0; i < P.n; i++) rows[mode[i]!]!.push(i);
    return rows;
  };
  const [ra, rb] = [byMode(A, nearestModes(a, m).mode), byMode(B, nearestModes(b, m).mode)];
  const take = (P: { data: Float64Array }, rows: number[], c: number) => {
    const out = new Float64Array(c * d);
    for (let j = 0; j < c; j++) out.set(P.data.subarray(rows[j]! * d, rows[j]! * d + d), j * d);
    return { data: out, dim: d };
  };
  const perMode = ra.map((rows, k) => {
    const c = Math.min(rows.length, rb[k]!.length);
    return c === 0 ? NaN : w2(take(A, rows, c), take(B, rb[k]!, c));
  });
  let sum = 0, weight = 0, tv = 0;
  perMode.forEach((v, k) => {
    if (!Number.isNaN(v)) { sum += truth[k]! * v * v; weight += truth[k]!; }
    tv += Math.abs(ra[k]!.length / Math.max(1, A.n) - rb[k]!.length / Math.max(1, B.n)) / 2;
  });
  return { w2: weight > 0 ? Math.sqrt(sum / weight) : NaN, perMode, weightTV: tv };
}

/**
 * The mixture that labelled points describe: per component (labels 0…K−1) its mean, its
 * covariance (with 1e-9 on the diagonal, so a flat component stays invertible) and its share.
 */
export function mixtureFromLabels(points: Points, labels: Tensor | ArrayLike<number>): Required<Pick<MixtureModes, 'centers' | 'covariances' | 'trueWeights'>> {
  const { data, n, d } = toPoints(points);
  const l = ints(labels);
  if (l.length !== n) throw new Error(`mixtureFromLabels: ${n} points vs ${l.length} labels`);
  const K = l.reduce((m, v) => Math.max(m, v + 1), 0);
  const count = new Array<number>(K).fill(0);
  const centers = Array.from({ length: K }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < n; i++) {
    count[l[i]!]!++;
    for (let t = 0; t < d; t++) centers[l[i]!]![t]! += data[i * d + t]!;
  }
  centers.forEach((c, k) => c.forEach((_, t) => { c[t]! /= Math.max(1, count[k]!); }));
  const covariances = Array.from({ length: K }, () => Array.from({ length: d }, () => new Array<number>(d).fill(0)));
  for (let i = 0; i < n; i++) {
    const k = l[i]!, c = centers[k]!, C = covariances[k]!;
    for (let s = 0; s < d; s++) for (let t = 0; t < d; t++) C[s]![t]! += (data[i * d + s]! - c[s]!) * (data[i * d + t]! - c[t]!);
  }
  covariances.forEach((C, k) => C.forEach((row, s) => row.forEach((_, t) => {
    row[t]! = row[t]! / Math.max(1, count[k]! - 1) + (s === t ? 1e-9 : 0);
  })));
  return { centers, covariances, trueWeights: count.map((c) => c / Math.max(1, n)) };
}

/** t with P(χ²_d > t) = tail: bisection on the upper regularised incomplete gamma Q(d/2, t/2). */
export function chiSquareQuantile(d: number, tail: number): number {
  let lo = 0, hi = d + 10;
  while (upperGamma(d / 2, hi / 2) > tail) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (upperGamma(d / 2, mid / 2) > tail) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Q(a, x) = Γ(a, x)/Γ(a): by the series of the lower function below x = a + 1, and by its continued
 * fraction (modified Lentz) above, where the tail is small and the series would lose it.
 */
function upperGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  const front = Math.exp(a * Math.log(x) - x - lnGamma(a));
  if (x < a + 1) {
    let term = 1 / a, sum = term;
    for (let k = 1; k < 1000 && Math.abs(term) > 1e-17 * Math.abs(sum); k++) sum += (term *= x / (a + k));
    return 1 - front * sum;
  }
  const tiny = 1e-300;
  let b = x + 1 - a, c = 1 / tiny, dd = 1 / b, h = dd;
  for (let k = 1; k < 1000; k++) {
    const an = -k * (k - a);
    b += 2;
    dd = an * dd + b; dd = Math.abs(dd) < tiny ? tiny : dd; dd = 1 / dd;
    c = b + an / c; c = Math.abs(c) < tiny ? tiny : c;
    const step = dd * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  return front * h;
}

/** ln Γ(a), a > 0 (Lanczos, g = 7, 9 terms). */
function lnGamma(a: number): number {
  const g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (a < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * a)) - lnGamma(1 - a);
  const z = a - 1;
  let s = g[0]!;
  for (let i = 1; i < 9; i++) s += g[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** vᵀ P v. */
function quadratic(P: number[][], v: number[]): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) for (let j = 0; j < v.length; j++) s += v[i]! * P[i]![j]! * v[j]!;
  return s;
}

/** The inverse of a symmetric positive-definite matrix (Gauss–Jordan; the small covariances of toy modes). */
function inverse(A: number[][]): number[][] {
  const n = A.length;
  const M = A.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    const p = M[c]![c]!;
    if (!(Math.abs(p) > 1e-300)) throw new Error('modeStats: a covariance is singular');
    for (let j = 0; j < 2 * n; j++) M[c]![j]! /= p;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]!;
      for (let j = 0; j < 2 * n; j++) M[r]![j]! -= f * M[c]![j]!;
    }
  }
  return M.map((row) => row.slice(n));
}

/** Integer labels from a tensor or array. */
function ints(x: Tensor | ArrayLike<number>): number[] {
  return 'dataSync' in x ? x.toFlatArray() : Array.from(x);
}

/** How well codes identify components. */
export interface Purity {
  /** Σ_codes max_label count / n: 1 when every code holds a single component. */
  purity: number;
  /** Σ_labels max_code count / n: 1 when every component uses a single code. */
  inversePurity: number;
  /** table[c][l] = samples with code c and label l, for the used codes in `codes` order. */
  table: number[][];
  codes: number[];
  labels: number[];
}

/** Latent purity and the code → component confusion table, from codes [n] and true labels [n]. */
export function latentPurity(codes: Tensor | ArrayLike<number>, labels: Tensor | ArrayLike<number>): Purity {
  const c = ints(codes), l = ints(labels);
  if (c.length !== l.length) throw new Error(`latentPurity: ${c.length} codes vs ${l.length} labels`);
  const codeIds = [...new Set(c)].sort((a, b) => a - b), labelIds = [...new Set(l)].sort((a, b) => a - b);
  const ci = new Map(codeIds.map((v, i) => [v, i])), li = new Map(labelIds.map((v, i) => [v, i]));
  const table = codeIds.map(() => new Array<number>(labelIds.length).fill(0));
  for (let i = 0; i < c.length; i++) table[ci.get(c[i]!)!]![li.get(l[i]!)!]!++;
  const n = Math.max(1, c.length);
  const purity = table.reduce((s, row) => s + Math.max(...row), 0) / n;
  const inversePurity = labelIds.reduce((s, _, j) => s + Math.max(...table.map((row) => row[j]!)), 0) / n;
  return { purity: c.length ? purity : 0, inversePurity: c.length ? inversePurity : 0, table, codes: codeIds, labels: labelIds };
}

/** Which codes are used and how evenly. */
export interface CodeStats {
  /** Number of distinct codes used. */
  used: number;
  /** counts[c] for c in 0..k-1 (k = given size or max code + 1). */
  counts: number[];
  /** Entropy of the code histogram in nats; perplexity = exp(entropy). */
  entropy: number;
  perplexity: number;
}

/** Code usage of codes [n] (all latents pooled; per-latent stats: code-usage.ts) over a codebook of size k. */
export function codeStats(codes: Tensor | ArrayLike<number>, k?: number): CodeStats {
  const c = ints(codes);
  const K = k ?? c.reduce((m, v) => Math.max(m, v + 1), 0);
  const counts = new Array<number>(K).fill(0);
  for (const v of c) {
    if (v < 0 || v >= K) throw new Error(`codeStats: code ${v} outside [0, ${K})`);
    counts[v]!++;
  }
  const entropy = countsEntropy(counts);
  return { used: counts.filter((n) => n > 0).length, counts, entropy, perplexity: Math.exp(entropy) };
}
