/**
 * k-means on the rows of a tensor: k-means++ seeding (Arthur & Vassilvitskii 2007), then Lloyd
 * steps; the best of `tries` seedings by inertia (within-cluster sum of squares). Deterministic
 * for a given generator. Used for the 2-D codebook's start and its split-and-merge restarts, and
 * for the image encoder's k-means heads.
 */
import { F, multinomial, noGrad, ones, tensor, tidy, where, type Generator, type Tensor } from '../../engine/index.js';

/** Squared distances [N, k] between the rows of x [N, d] and of c [k, d]. */
export function sqDistances(x: Tensor, c: Tensor): Tensor {
  return x.square().sum(1, true).sub(x.matmul(c.transpose(0, 1)).mul(2)).add(c.square().sum(1).unsqueeze(0)).clamp(0);
}

/** An index drawn with probability ∝ weights [N] (≥ 0; all zero = uniform): the k-means++ step. */
export function drawByWeight(weights: Tensor, generator: Generator): number {
  return multinomial(weights.add(1e-12), 1, { generator }).item();
}

/** k-means centres [k, d], each row's nearest centre (labels [N], int64) and the inertia. */
export interface KMeansResult {
  centres: Tensor;
  labels: Tensor;
  inertia: number;
}

/** Lloyd iterations and seedings of `kmeans`. */
export interface KMeansOptions {
  iters?: number;
  tries?: number;
}

/** One k-means++ seeding of k centres among the rows of x [N, d], then `iters` Lloyd steps. */
function kmeansOnce(x: Tensor, k: number, generator: Generator, iters: number): KMeansResult {
  const N = x.size(0);
  const first = drawByWeight(ones([N]), generator);
  const picks = [first];
  let d2 = sqDistances(x, x.slice(0, first, first + 1)).squeeze(1);
  while (picks.length < k) {
    const i = drawByWeight(d2, generator);
    picks.push(i);
    d2 = d2.minimum(sqDistances(x, x.slice(0, i, i + 1)).squeeze(1));
  }
  let c = x.indexSelect(0, tensor(picks, { dtype: 'int64', device: x.device }));
  for (let it = 0; it < iters; it++) {
    const onehot = F.oneHot(sqDistances(x, c).argmin(1), k).to({ dtype: x.dtype }); // (N, k)
    const count = onehot.sum(0).unsqueeze(1); // (k, 1)
    const mean = onehot.transpose(0, 1).matmul(x).div(count.clamp(1));
    c = where(count.gt(0), mean, c); // an empty cluster keeps its centre
  }
  const d = sqDistances(x, c); // (N, k)
  return { centres: c, labels: d.argmin(1), inertia: d.min(1).sum().item() };
}

/** k-means of the rows of x [N, d] into k clusters (see above); needs N ≥ k. */
export function kmeans(x: Tensor, k: number, generator: Generator, o: KMeansOptions = {}): KMeansResult {
  const N = x.size(0);
  if (N < k) throw new Error(`kmeans: ${N} points for ${k} centres`);
  return noGrad(() => tidy(() => {
    let best: KMeansResult | null = null;
    for (let t = 0; t < (o.tries ?? 1); t++) {
      const r = kmeansOnce(x, k, generator, o.iters ?? 20);
      if (!best || r.inertia < best.inertia) best = r;
    }
    return best!;
  }));
}
