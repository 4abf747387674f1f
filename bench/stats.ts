/** Small statistics for bench reports. */
import { Rng } from '../src/pose/random.js';

/** Mean of `v` (0 when empty). */
export function mean(v: readonly number[]): number {
  return v.reduce((s, x) => s + x, 0) / Math.max(v.length, 1);
}

/** The mean of `v` with a 95% bootstrap interval (2,000 resamples of `v`, seeded). */
export function bootstrapMean(v: readonly number[], seed = 0): { mean: number; lo: number; hi: number; n: number } {
  const rng = new Rng(seed);
  const boots = Array.from({ length: 2000 }, () => mean(v.map(() => v[Math.floor(rng.uniform() * v.length)]!))).sort((x, y) => x - y);
  return { mean: mean(v), lo: boots[50]!, hi: boots[1949]!, n: v.length };
}
