/**
 * Mode coverage of samples from a known Gaussian mixture, and how well discrete latent codes
 * line up with the mixture components (purity, confusion table, code usage).
 */
import type { Tensor } from '../engine/index.js';
import { toPoints, type Points } from './ot.js';
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

/**
 * Off-mode fraction and mode weights. `radius` defaults to 5·std (1.0 for the paper's σ = 0.2);
 * the true weights default to uniform. With per-mode `covariances` (d×d), distances are
 * Mahalanobis: a sample is off-mode beyond 5 standard deviations of its nearest mode in that metric.
 */
export function modeStats(samples: Points, centers: number[][],
  o: { std?: number; radius?: number; trueWeights?: number[]; covariances?: number[][][] } = {}): ModeStats {
  const { data, n, d } = toPoints(samples);
  const K = centers.length;
  const precisions = o.covariances?.map(inverse) ?? null;
  const limit = precisions ? 25 : (o.radius ?? 5 * (o.std ?? 0.2)) ** 2;
  const counts = new Array<number>(K).fill(0);
  const diff = new Array<number>(d);
  let off = 0;
  for (let i = 0; i < n; i++) {
    let best = -1, bestD = Infinity;
    for (let k = 0; k < K; k++) {
      for (let t = 0; t < d; t++) diff[t] = data[i * d + t]! - centers[k]![t]!;
      const s = precisions ? quadratic(precisions[k]!, diff) : diff.reduce((a, v) => a + v * v, 0);
      if (s < bestD) { bestD = s; best = k; }
    }
    if (bestD > limit) off++;
    else counts[best]!++;
  }
  const on = n - off;
  const weights = counts.map((c) => (on > 0 ? c / on : 0));
  const truth = o.trueWeights ?? new Array<number>(K).fill(1 / K);
  const maxWeightError = Math.max(...weights.map((w, k) => Math.abs(w - truth[k]!)));
  return { offModeFraction: n > 0 ? off / n : 0, weights, counts, maxWeightError, missingModes: counts.filter((c) => c === 0).length };
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
