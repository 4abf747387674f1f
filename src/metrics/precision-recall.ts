/**
 * Improved precision and recall (Kynkäänniemi et al. 2019): each feature vector of a set owns a
 * ball reaching its k-th nearest neighbour within the set. Precision = fraction of generated
 * samples inside some real ball (fidelity); recall = fraction of real samples inside some
 * generated ball (coverage). Distances are computed in chunks, so 10⁴ × 10⁴ pairs fit in memory.
 */
import { mapBatches, noGrad, sumBatches, tidy, type Tensor } from '../engine/index.js';

/** Squared Euclidean distances [n, m] of rows a [n, d] to rows b [m, d]. */
export function pairwiseSqDist(a: Tensor, b: Tensor): Tensor {
  return tidy(() => a.square().sum(1, true).add(b.square().sum(1).unsqueeze(0)).sub(a.matmul(b.mT).mul(2)).clamp(0));
}

/** Squared distance [N] from each row of x to its k-th nearest neighbour among the other rows. */
export function kNNRadii(x: Tensor, k = 3, chunk = 1024): Tensor {
  if (x.size(0) <= k) throw new Error(`kNNRadii: need more than k = ${k} samples, got ${x.size(0)}`);
  // The 0-th neighbour is the point itself.
  return noGrad(() => mapBatches(x.size(0), chunk, (s, e) => pairwiseSqDist(x.slice(0, s, e), x).topk(k + 1, 1, false).values.select(1, k)));
}

/** Fraction of rows of `query` that lie inside at least one ball (centre rows of `ref`, squared radii `radii`). */
export function coverage(query: Tensor, ref: Tensor, radii: Tensor, chunk = 1024): number {
  return noGrad(() => sumBatches(query.size(0), chunk,
    (s, e) => pairwiseSqDist(query.slice(0, s, e), ref).le(radii.unsqueeze(0)).any(1).sum().item())) / query.size(0);
}

/**
 * Precision and recall of generated features against real features (both [N, d]), k = 3 as in the paper.
 * `realRadii` (kNNRadii(real, k)) may be passed to reuse the real set's balls across calls.
 */
export function precisionRecall(real: Tensor, fake: Tensor, o: { k?: number; realRadii?: Tensor } = {}): { precision: number; recall: number } {
  const k = o.k ?? 3;
  if (real.size(1) !== fake.size(1)) throw new Error(`precisionRecall: feature widths differ (${real.size(1)} vs ${fake.size(1)})`);
  if (o.realRadii && o.realRadii.size(0) !== real.size(0)) {
    throw new Error(`precisionRecall: ${o.realRadii.size(0)} radii for ${real.size(0)} real rows`);
  }
  return tidy(() => {
    const r = real.float(), f = fake.float();
    return { precision: coverage(f, r, o.realRadii ?? kNNRadii(r, k)), recall: coverage(r, f, kNNRadii(f, k)) };
  });
}
