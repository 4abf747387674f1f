/** A metric measured over repeated draws: its mean and the sample standard deviation of the draws. */
export interface Repeated {
  mean: number;
  /** Sample standard deviation (n − 1); 0 for a single draw. */
  sd: number;
  draws: number;
}

/** Mean and spread of one metric's values over independent draws. */
export function repeated(values: number[]): Repeated {
  const n = values.length;
  if (n === 0) throw new Error('repeated: no values');
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, draws: n };
}

/**
 * The paired difference b − a of two metrics measured on the same draws: its mean, its standard
 * error (sd/√n) and whether it is clear of noise: 'lower' or 'higher' when the mean lies more than
 * two standard errors below or above 0, else 'within noise' ('one draw': no error to judge by).
 */
export function pairedDifference(a: number[], b: number[]):
  { mean: number; se: number; verdict: 'lower' | 'higher' | 'within noise' | 'one draw' } {
  if (a.length !== b.length) throw new Error(`pairedDifference: ${a.length} and ${b.length} draws`);
  const d = repeated(b.map((v, i) => v - a[i]!));
  const se = d.sd / Math.sqrt(d.draws);
  if (d.draws < 2) return { mean: d.mean, se, verdict: 'one draw' };
  return { mean: d.mean, se, verdict: d.mean + 2 * se < 0 ? 'lower' : d.mean - 2 * se > 0 ? 'higher' : 'within noise' };
}
