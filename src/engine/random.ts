/**
 * Seeded randomness. A `Generator` is an independent CPU random stream (numbers are drawn on
 * the CPU and moved, so a seed gives the same values on every device); functions without one use
 * the global generator that `manualSeed` resets. Same seed, same ops → identical tensors.
 */
import { N } from './native.js';
import { Tensor } from './tensor.js';
import type { TensorOptions } from './creation.js';

/** An independent random stream with savable state. */
export class Generator {
  private _h: number | null;
  constructor(seed: number) {
    this._h = N.newGenerator(seed);
  }
  /** @internal */
  get handle(): number {
    if (this._h === null) throw new Error('Generator was used after dispose()');
    return this._h;
  }
  /** The full state (for checkpoints). */
  getState(): Uint8Array { return N.generatorState(this.handle); }
  setState(state: Uint8Array): void { N.setGeneratorState(this.handle, state); }
  dispose(): void {
    if (this._h !== null) N.disposeGenerator(this._h);
    this._h = null;
  }
}

/** Options of random draws: dtype, device and an optional generator. */
export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

const gen = (o: RandomOptions): number | null => (o.generator ? o.generator.handle : null);

/** Seeds the global generator. */
export function manualSeed(seed: number): void { N.manualSeed(seed); }
/** State of the global generator (for checkpoints). */
export function globalRngState(): Uint8Array { return N.generatorState(null); }
export function setGlobalRngState(state: Uint8Array): void { N.setGeneratorState(null, state); }

/**
 * The rows of each batch one process of a data-parallel run holds: rows [start, end) of `total`.
 * Under `withRowShard`, draws shaped [end − start, …] are made for all `total` rows and cut to
 * these, so each sample gets the same noise however the batch is split over processes.
 */
export interface RowShard {
  start: number;
  end: number;
  total: number;
}
let rows: RowShard | null = null;

/** Runs `fn` with batch-shaped rand/randn draws (and dropout masks) cut to `shard` (null: whole draws). */
export function withRowShard<T>(shard: RowShard | null, fn: () => T): T {
  const outer = rows;
  rows = shard;
  try {
    return fn();
  } finally {
    rows = outer;
  }
}

function draw(kind: 'uniform' | 'normal', shape: number[], o: RandomOptions): Tensor {
  const dtype = o.dtype ?? 'float32', device = o.device ?? 'cpu';
  if (!rows || shape[0] !== rows.end - rows.start || shape[0] === rows.total) {
    return new Tensor(N.rand(kind, shape, dtype, device, gen(o)));
  }
  const whole = N.rand(kind, [rows.total, ...shape.slice(1)], dtype, device, gen(o));
  const mine = N.slice(whole, 0, rows.start, rows.end, 1);
  const out = N.clone(mine); // its own storage: the whole draw is freed
  N.disposeMany([mine, whole]);
  return new Tensor(out);
}

/** Uniform on [0, 1). */
export function rand(shape: number[], o: RandomOptions = {}): Tensor {
  return draw('uniform', shape, o);
}
/** Standard normal. */
export function randn(shape: number[], o: RandomOptions = {}): Tensor {
  return draw('normal', shape, o);
}
/** Standard normal with the shape, dtype and device of `t`. */
export function randnLike(t: Tensor, o: { generator?: Generator } = {}): Tensor {
  return randn(t.shape, { dtype: t.dtype, device: t.device, ...o });
}
/** Integers uniform in [low, high), int64. */
export function randint(low: number, high: number, shape: number[], o: RandomOptions = {}): Tensor {
  return new Tensor(N.randint(low, high, shape, o.device ?? 'cpu', gen(o)));
}
/** A random permutation of 0..n-1, int64. */
export function randperm(n: number, o: RandomOptions = {}): Tensor {
  return new Tensor(N.randperm(n, o.device ?? 'cpu', gen(o)));
}
/** 0/1 draws with probabilities `p` (same shape and dtype as `p`). */
export function bernoulli(p: Tensor, o: { generator?: Generator } = {}): Tensor {
  return new Tensor(N.bernoulli(p.id, gen(o)));
}
/** `n` category indices per row of the (unnormalised) probabilities `p` [..., k]. */
export function multinomial(p: Tensor, n: number, o: { replacement?: boolean; generator?: Generator } = {}): Tensor {
  return new Tensor(N.multinomial(p.id, n, o.replacement ?? false, gen(o)));
}
