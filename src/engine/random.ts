/**
 * Seeded randomness. A `Generator` is an independent CPU random stream (numbers are drawn on
 * the CPU and moved, so a seed gives the same values on every device); functions without one use
 * the global generator that `manualSeed` resets. Same seed, same ops → identical tensors.
 */
import { N } from './native.js';
import { Tensor } from './tensor.js';
import type { TensorOptions } from './creation.js';

/**
 * An independent random stream with savable state. libtorch's CPU generator (mt19937) keeps only
 * the low 32 bits of its seed, so seeds a user gives are 0 … 2³² − 1 (src/config/schema.ts LIMITS).
 */
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
 * With `streams`, rows [start, end) are rows of a sequence of any length, counted in blocks of
 * `total` rows, and block j is drawn (whole, then cut) from its own generator `streams(j)`: each
 * row's numbers then depend only on its index, however the sequence is cut into batches and processes.
 */
export interface RowShard {
  start: number;
  end: number;
  total: number;
  streams?: (block: number) => Generator;
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

/**
 * The seed of stream j of a seed (both below 2³²): MurmurHash3's 32-bit finaliser, a bijection, of
 * the seed's hash plus j. The streams of one seed are distinct; those of two seeds overlap only by chance.
 */
export function streamSeed(seed: number, j: number): number {
  return fmix32((fmix32(seed) + j) >>> 0);
}

function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function draw(kind: 'uniform' | 'normal', shape: number[], o: RandomOptions): Tensor {
  const dtype = o.dtype ?? 'float32', device = o.device ?? 'cpu';
  const whole = (n: number, g: number | null) => N.rand(kind, [n, ...shape.slice(1)], dtype, device, g);
  if (!rows || shape[0] !== rows.end - rows.start || shape[0] === 0 || (shape[0] === rows.total && !rows.streams)) {
    return new Tensor(N.rand(kind, shape, dtype, device, gen(o)));
  }
  if (!rows.streams) return new Tensor(cut(whole(rows.total, gen(o)), rows.start, rows.end, rows.total));
  const { start, end, total, streams } = rows;
  const parts: number[] = [];
  for (let j = Math.floor(start / total); j * total < end; j++) {
    const lo = Math.max(start - j * total, 0), hi = Math.min(end - j * total, total);
    parts.push(cut(whole(total, streams(j).handle), lo, hi, total));
  }
  if (parts.length === 1) return new Tensor(parts[0]!);
  const out = N.cat(parts, 0);
  N.disposeMany(parts);
  return new Tensor(out);
}

/** Rows [lo, hi) of a draw of `total` rows, in their own storage (the draw is freed). */
function cut(draw: number, lo: number, hi: number, total: number): number {
  if (lo === 0 && hi === total) return draw;
  const mine = N.slice(draw, 0, lo, hi, 1);
  const out = N.clone(mine);
  N.disposeMany([mine, draw]);
  return out;
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
