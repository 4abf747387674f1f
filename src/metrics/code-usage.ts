/** How many of the k codes each discrete latent uses over a data set, and how evenly. */
import type { Tensor } from '../engine/index.js';

/** Codes used and their entropy, per latent. */
export interface CodeUsage {
  /** Per latent: number of distinct codes that occur. */
  used: number[];
  /** Per latent: perplexity exp(H) of the empirical code distribution (k = all codes equally often). */
  perplexity: number[];
  /** Per latent: counts of each code [m][k]. */
  counts: number[][];
}

/** Entropy (nats) of the empirical distribution given by `counts` (0 for no counts). */
export function countsEntropy(counts: number[]): number {
  const N = counts.reduce((a, b) => a + b, 0);
  return N ? -counts.reduce((h, c) => (c ? h + (c / N) * Math.log(c / N) : h), 0) : 0;
}

/** Usage statistics of integer codes [N, m] (e.g. the encoder's argmax) with codebook size k. */
export function codeUsage(codes: Tensor, k: number): CodeUsage {
  if (codes.ndim !== 2) throw new Error(`codeUsage: expects codes [N, m], got shape [${codes.shape}]`);
  const m = codes.size(1);
  const flat = codes.toFlatArray();
  const counts = Array.from({ length: m }, () => new Array<number>(k).fill(0));
  flat.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= k) throw new Error(`codeUsage: code ${c} is outside 0..${k - 1}`);
    counts[i % m]![c]! += 1;
  });
  const used = counts.map((row) => row.filter((c) => c > 0).length);
  const perplexity = counts.map((row) => Math.exp(countsEntropy(row)));
  return { used, perplexity, counts };
}
