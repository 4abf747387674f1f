/** Re-seeding a dead code where the batch is served worst (the k-means++ step). */
import { tensor, tidy, type Generator } from '../../engine/index.js';
import { drawByWeight } from './kmeans.js';
import { meanOf, spread, sq, type Point } from './points.js';
import type { RestartMove } from './moves.js';

/**
 * Dead code `code` of `latent` moves to a batch point drawn with probability ∝ its squared
 * distance to its own code's centre; codes [B] are the points' codes for this latent, centres [k].
 * Its scale is the spread of the donor's (the point's code's) points on the new centre's side, and
 * it takes a copy of the donor's encoder logit.
 */
export function reseedDead(latent: number, code: number, points: Point[], codes: number[], centres: Point[],
  generator: Generator): RestartMove {
  const d = points[0]!.length;
  const b = tidy(() => drawByWeight(tensor(points.map((p, q) => sq(p, centres[codes[q]!]!)), { dtype: 'float64' }), generator));
  const at = points[b]!, donor = codes[b]!;
  const donorPoints = points.filter((_, q) => codes[q] === donor);
  const near = donorPoints.filter((p) => sq(p, at) < sq(p, centres[donor]!));
  const std = near.length >= 2 ? spread(near, meanOf(near, d)) : spread(donorPoints, at);
  return { latent, code, centre: [...at], reason: 'dead', std, donor };
}
