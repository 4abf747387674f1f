/**
 * Split-and-merge (Ueda et al. 2000): if splitting the worst-served code in two (2-means) lowers
 * the within-code sum of squares by more than `ratio` × the Ward cost of merging the closest pair
 * of other codes, the pair is merged and the freed code takes half of the split.
 */
import { tensor, tidy, type Generator } from '../../engine/index.js';
import { kmeans } from './kmeans.js';
import { groupBy, meanOf, spread, sq, type Point } from './points.js';
import type { RestartMove } from './moves.js';

/** Code `split` split in two, the other half going to `freed` after it merged into `merged`. */
export interface SplitMerge {
  split: number;
  merged: number;
  freed: number;
  moves: RestartMove[];
}

/**
 * The split-and-merge for one latent (see above): points [B][d] and their codes [B] for this
 * latent, k codes; null when it does not pay.
 */
export function splitMerge(latent: number, points: Point[], codes: number[], k: number, ratio: number,
  generator: Generator): SplitMerge | null {
  const d = points[0]!.length;
  const groups = groupBy(points, codes, k);
  const means = groups.map((g) => (g.length ? meanOf(g, d) : null));
  const sse = groups.map((g, j) => g.reduce((s, p) => s + sq(p, means[j] ?? p), 0));
  const w = sse.indexOf(Math.max(...sse));
  if (groups[w]!.length < 4) return null;
  const { halves, labels, after } = tidy(() => {
    const r = kmeans(tensor(groups[w]!, { dtype: 'float64' }), 2, generator, { iters: 10 });
    return { halves: r.centres.toArray() as Point[], labels: r.labels.toFlatArray(), after: r.inertia };
  });
  const [h0, h1] = groupBy(groups[w]!, labels, 2);
  const gain = sse[w]! - after;
  let best: [number, number] | null = null, cost = Infinity;
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      if (a === w || b === w || !means[a] || !means[b]) continue;
      const na = groups[a]!.length, nb = groups[b]!.length;
      const ward = (na * nb) / (na + nb) * sq(means[a]!, means[b]!);
      if (ward < cost) { cost = ward; best = [a, b]; }
    }
  }
  if (!best || gain <= ratio * cost) return null;
  const [a, b] = best;
  const na = groups[a]!.length, nb = groups[b]!.length;
  const merged = means[a]!.map((v, t) => (na * v + nb * means[b]![t]!) / (na + nb));
  return {
    split: w, merged: a, freed: b, moves: [
      { latent, code: a, centre: merged, reason: 'merge', std: spread([...groups[a]!, ...groups[b]!], merged) },
      { latent, code: w, centre: halves[0]!, reason: 'split', std: spread(h0!, halves[0]!) },
      { latent, code: b, centre: halves[1]!, reason: 'split', std: spread(h1!, halves[1]!), donor: w },
    ],
  };
}
