/**
 * Row-batched evaluation with one scope per batch: only what a batch returns outlives it, so a
 * pass over N rows holds one batch's intermediates at a time rather than all of them.
 */
import { cat } from './creation.js';
import { tidy } from './scope.js';
import type { Tensor } from './tensor.js';

/** Calls f(start, end) on row ranges [start, end) of n rows, `batch` at a time, each call in its own scope. */
function eachBatch<T>(n: number, batch: number, f: (start: number, end: number) => T): T[] {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch must be a positive integer, got ${batch}`);
  const out: T[] = [];
  for (let s = 0; s < n; s += batch) out.push(tidy(() => f(s, Math.min(n, s + batch))));
  return out;
}

/** f over row batches of n rows, its results concatenated along dim 0. */
export function mapBatches(n: number, batch: number, f: (start: number, end: number) => Tensor): Tensor {
  return tidy(() => cat(eachBatch(n, batch, f), 0));
}

/** The sum of f's numbers over row batches of n rows. */
export function sumBatches(n: number, batch: number, f: (start: number, end: number) => number): number {
  return eachBatch(n, batch, f).reduce((a, b) => a + b, 0);
}
