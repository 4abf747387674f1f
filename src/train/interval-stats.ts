/**
 * What Stage I logs between two metrics rows: the mean EDM loss, the loss per σ bin, the code usage
 * and perplexity of each latent, the regularisers and the code restarts; and the warning when a
 * latent's codes collapse.
 */
import { countsEntropy } from '../metrics/code-usage.js';

/** Upper edges of the σ bins used for "loss per σ" (the last bin is open). */
export const SIGMA_BINS = [0.01, 0.05, 0.2, 0.5, 1, 2, 5, 20, Infinity];

/** Steps in the running loss that the progress bar shows. */
const RUNNING = 50;

/** Loss, loss per σ bin, code usage and perplexity accumulated between two log lines. */
export class IntervalStats {
  /** Code restart moves made in the interval. */
  restarts = 0;
  private loss = 0;
  private regularisers = 0;
  private n = 0;
  private recent: number[] = [];
  private binSum = SIGMA_BINS.map(() => 0);
  private binCount = SIGMA_BINS.map(() => 0);
  private codeCounts: number[][] = [];

  /** `latents`: m latents of k codes each (null: a plain EDM run, no codes). */
  constructor(readonly latents: { m: number; k: number } | null) {
    this.reset();
  }

  private reset(): void {
    this.loss = 0;
    this.regularisers = 0;
    this.restarts = 0;
    this.n = 0;
    this.binSum.fill(0);
    this.binCount.fill(0);
    this.codeCounts = this.latents ? Array.from({ length: this.latents.m }, () => Array(this.latents!.k).fill(0)) : [];
  }

  /**
   * One step: the batch's mean loss, per-sample losses and their σ, the argmax codes [B·m] flat
   * (row-major, latent i of a sample at i mod m) and the regularisers' value.
   */
  add(loss: number, perSample: number[], sigma: number[], codes?: number[], m?: number, regularisers?: number): void {
    this.loss += loss;
    this.regularisers += regularisers ?? 0;
    this.n += 1;
    this.recent.push(loss);
    if (this.recent.length > RUNNING) this.recent.shift();
    sigma.forEach((s, i) => {
      const b = SIGMA_BINS.findIndex((e) => s < e);
      this.binSum[b]! += perSample[i]!;
      this.binCount[b]! += 1;
    });
    if (codes && m) codes.forEach((c, i) => { this.codeCounts[i % m]![c]! += 1; });
  }

  /** Mean loss of the last 50 steps (across log lines). */
  runningLoss(): number {
    return this.recent.reduce((a, b) => a + b, 0) / Math.max(1, this.recent.length);
  }

  /** Per-latent perplexity exp(H) of the argmax codes seen since the last flush (0: no codes seen). */
  perplexity(): number[] {
    return this.codeCounts.map((row) => (row.some((c) => c > 0) ? Math.exp(countsEntropy(row)) : 0));
  }

  /** The interval's metrics (a σ bin without samples has loss null); starts the next interval. */
  flush(): Record<string, unknown> {
    const row: Record<string, unknown> = {
      loss: this.loss / Math.max(1, this.n),
      lossBySigma: SIGMA_BINS.map((e, i) => ({ sigmaBelow: e === Infinity ? null : e,
        loss: this.binCount[i] ? this.binSum[i]! / this.binCount[i]! : null })),
    };
    if (this.latents) {
      row.codesUsed = this.codeCounts.map((c) => c.filter((v) => v > 0).length);
      row.perplexity = this.perplexity().map((p) => Number(p.toFixed(3)));
      if (this.regularisers) row.regularisers = this.regularisers / Math.max(1, this.n);
      if (this.restarts) row.restarts = this.restarts;
    }
    this.reset();
    return row;
  }
}

/**
 * The warning for latents whose codes over the last log interval have perplexity below 2 (of k > 2
 * codes): they have collapsed onto one or two codes. Null when none has.
 */
export function collapseWarning(step: number, perplexity: number[] | undefined, k: number): string | null {
  const bad = (perplexity ?? []).map((p, i) => [i, p] as const).filter(([, p]) => k > 2 && p < 2);
  if (!bad.length) return null;
  return `warning: step ${step}: latent${bad.length > 1 ? 's' : ''} ${bad.map(([i]) => i).join(', ')} ` +
    `collapsed (code perplexity ${bad.map(([, p]) => p.toFixed(2)).join(', ')} of ${k}); see docs/latents.md\n`;
}
