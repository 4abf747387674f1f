/**
 * Code restarts for an analytic-Gaussian denoiser (the 2-D model of DisCo-Diff's App. F, whose
 * code j has a learned centre μ_j and scale s_j), which keep the codes out of k-means-like local
 * optima during training:
 *  - a dead code (EMA usage below `deadFraction`/k) is re-seeded at a badly served batch point
 *    (dead-code.ts);
 *  - otherwise, at most one split-and-merge per latent (split-merge.ts).
 * A re-seeded code also takes a copy of the encoder logit of the code that served its new region
 * (the donor), both lowered by ln 2 (`LatentEncoder.splitCode`): a dead code's probability is ~0,
 * so without this the softmax passes it no gradient and the encoder never routes a point to it.
 * From there the straight-through gradient sorts the donor's points between the two centres.
 */
import type { Generator } from '../../engine/index.js';
import { reseedDead } from './dead-code.js';
import { splitMerge } from './split-merge.js';
import type { RestartMove } from './moves.js';
import type { Point } from './points.js';

/** When codes are re-seeded or split and merged (see above). */
export interface RestartOptions {
  /** EMA decay of each code's usage share. */
  decay?: number;
  /** A code is dead below this share × 1/k. */
  deadFraction?: number;
  /** Split-and-merge only when the split gains this many times the merge cost. */
  ratio?: number;
}

/** Usage statistics and the restart rule for the centres [m, k, d] of an analytic denoiser. */
export class CodeRestarts {
  /** EMA usage share per latent and code. */
  usage: number[][];
  private readonly decay: number;
  private readonly deadFraction: number;
  private readonly ratio: number;

  constructor(readonly m: number, readonly k: number, o: RestartOptions = {}) {
    this.decay = o.decay ?? 0.99;
    this.deadFraction = o.deadFraction ?? 0.2;
    this.ratio = o.ratio ?? 4;
    this.usage = Array.from({ length: m }, () => new Array<number>(k).fill(1 / k));
  }

  /** Updates usage from the batch's argmax codes (flat [B·m], row-major). */
  observe(codes: number[]): void {
    const B = codes.length / this.m;
    for (let i = 0; i < this.m; i++) {
      const share = new Array<number>(this.k).fill(0);
      for (let b = 0; b < B; b++) share[codes[b * this.m + i]!]! += 1 / B;
      this.usage[i] = this.usage[i]!.map((u, j) => this.decay * u + (1 - this.decay) * share[j]!);
    }
  }

  /**
   * The moves for this batch: points [B][d], their codes (flat [B·m]) and the current centres
   * [m][k][d]. Per latent: the deadest code is re-seeded, or else at most one split-and-merge.
   */
  plan(points: Point[], codes: number[], centres: Point[][], generator: Generator): RestartMove[] {
    const moves: RestartMove[] = [];
    for (let i = 0; i < this.m; i++) {
      const c = points.map((_, b) => codes[b * this.m + i]!);
      const usage = this.usage[i]!;
      const dead = usage.map((u, j) => [u, j] as const).filter(([u]) => u < this.deadFraction / this.k)
        .sort((a, b) => a[0] - b[0]);
      if (dead.length) {
        const j = dead[0]![1];
        moves.push(reseedDead(i, j, points, c, centres[i]!, generator));
        usage[j] = 1 / this.k;
        continue;
      }
      const sm = splitMerge(i, points, c, this.k, this.ratio, generator);
      if (!sm) continue;
      // The merged pair pools its usage; the split code's is shared by its two halves.
      usage[sm.merged] = usage[sm.merged]! + usage[sm.freed]!;
      usage[sm.freed] = usage[sm.split]! / 2;
      usage[sm.split] = usage[sm.split]! / 2;
      moves.push(...sm.moves);
    }
    return moves;
  }

  state(): { usage: number[][] } {
    return { usage: this.usage.map((u) => [...u]) };
  }

  restore(s: { usage: number[][] }): void {
    if (s.usage.length !== this.m || s.usage.some((u) => u.length !== this.k)) {
      throw new Error(`code restart state has shape [${s.usage.length}, ${s.usage[0]?.length}], expected [${this.m}, ${this.k}]`);
    }
    this.usage = s.usage.map((u) => [...u]);
  }
}
