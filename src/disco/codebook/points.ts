/** Small point sets as JS arrays (k ≤ a few dozen codes, a batch of points): the restarts' geometry. */

/** A point of the data space. */
export type Point = number[];

/** Squared Euclidean distance. */
export const sq = (a: Point, b: Point): number => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);

/** The mean of a non-empty set of points of dimension d. */
export function meanOf(points: Point[], d: number): Point {
  const m = new Array<number>(d).fill(0);
  for (const p of points) p.forEach((v, i) => { m[i]! += v / points.length; });
  return m;
}

/** Per-dimension RMS distance of points to a centre: the isotropic std of that cluster. */
export function spread(points: Point[], centre: Point): number {
  if (!points.length) return 0;
  return Math.sqrt(points.reduce((s, p) => s + sq(p, centre), 0) / (points.length * centre.length));
}

/** The points grouped by their labels: groups [k][…]. */
export function groupBy(points: Point[], labels: ArrayLike<number>, k: number): Point[][] {
  const groups: Point[][] = Array.from({ length: k }, () => []);
  points.forEach((p, b) => groups[labels[b]!]!.push(p));
  return groups;
}
