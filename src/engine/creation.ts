/** Functions that make tensors from shapes, values and JS data, and that combine tensors. */
import { N } from './native.js';
import { ARRAY_TYPES, Tensor, type DType, type Device, type NestedArray, type TypedArray } from './tensor.js';

/** Dtype and device of a new tensor (default float32 on cpu). */
export interface TensorOptions {
  dtype?: DType;
  device?: Device;
}

const dt = (o: TensorOptions): DType => o.dtype ?? 'float32';
const KNOWN_DTYPES: Record<DType, true> = {
  float32: true, float64: true, int64: true, int32: true, uint8: true, bool: true, float16: true, bfloat16: true,
};
const dev = (o: TensorOptions): Device => o.device ?? 'cpu';

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let d: NestedArray = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    d = d[0] as NestedArray;
  }
  return shape;
}

/** The leaves of nested arrays in order; a flat array is returned as it is (tensor() copies it). */
function flatten(data: NestedArray): (number | boolean)[] {
  if (!Array.isArray(data)) return [data];
  if (!data.some(Array.isArray)) return data as (number | boolean)[];
  const out: (number | boolean)[] = [];
  const walk = (d: NestedArray): void => {
    if (Array.isArray(d)) for (const x of d) walk(x);
    else out.push(d);
  };
  walk(data);
  return out;
}

function toNumbers(values: ArrayLike<number | bigint | boolean>): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const INT64_LIMIT = 2 ** 63;

/**
 * int64 values from numbers (truncated towards zero), written as two 32-bit halves (exact for every
 * integer a double holds in the int64 range): a BigInt per value costs ~100× more, and index tensors
 * of a graph batch run to 10⁵ values per step.
 */
function int64From(values: number[]): BigInt64Array {
  const out = new BigInt64Array(values.length);
  if (!LITTLE_ENDIAN) return BigInt64Array.from(values, (v) => BigInt(Math.trunc(v)));
  const halves = new Int32Array(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = Math.trunc(values[i]!);
    if (!(v >= -INT64_LIMIT && v < INT64_LIMIT)) throw new RangeError(`tensor: int64 values must be finite and within [−2^63, 2^63), got ${values[i]}`);
    halves[2 * i] = v >>> 0;
    halves[2 * i + 1] = Math.floor(v / 4294967296);
  }
  return out;
}

function typedFor(dtype: DType, values: number[]): TypedArray {
  if (dtype === 'int64') return int64From(values);
  if (dtype === 'float16' || dtype === 'bfloat16') return Float32Array.from(values);
  return ARRAY_TYPES[dtype].from(values);
}

/**
 * A tensor from nested arrays (shape inferred) or a flat array / typed array with `shape`.
 * The data is copied.
 */
export function tensor(data: NestedArray | TypedArray | number[], opts: TensorOptions & { shape?: number[] } = {}): Tensor {
  const dtype = dt(opts);
  if (!(dtype in KNOWN_DTYPES)) throw new Error(`tensor: unknown dtype '${dtype}'`);
  const isTyped = ArrayBuffer.isView(data);
  const shape = opts.shape ?? (isTyped ? [(data as TypedArray).length] : inferShape(data as NestedArray));
  const flat = isTyped ? (data as TypedArray) : flatten(data as NestedArray);
  const n = shape.reduce((a, b) => a * b, 1);
  if (flat.length !== n) {
    throw new Error(`tensor: ${flat.length} values do not fill shape [${shape}] (${n} elements); nested arrays must be rectangular`);
  }
  const native = dtype === 'float16' || dtype === 'bfloat16' ? Float32Array : ARRAY_TYPES[dtype];
  const typed = isTyped && data.constructor === native ? (data as TypedArray)
    : typedFor(dtype, isTyped ? toNumbers(flat as TypedArray) : flat as number[]);
  if (dtype === 'float16' || dtype === 'bfloat16') {
    const f = new Tensor(N.fromBuffer(typed, shape, 'float32', dev(opts)));
    try { return f.to({ dtype }); } finally { f.dispose(); }
  }
  return new Tensor(N.fromBuffer(typed, shape, dtype, dev(opts)));
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: number[], value: number, opts: TensorOptions = {}): Tensor {
  return new Tensor(N.full(shape, value, dt(opts), dev(opts)));
}
export function zeros(shape: number[], opts: TensorOptions = {}): Tensor { return full(shape, 0, opts); }
export function ones(shape: number[], opts: TensorOptions = {}): Tensor { return full(shape, 1, opts); }
/** A scalar (0-d) tensor. */
export function scalar(value: number, opts: TensorOptions = {}): Tensor { return full([], value, opts); }
/** Zeros with the shape, dtype and device of `t`. */
export function zerosLike(t: Tensor): Tensor { return full(t.shape, 0, { dtype: t.dtype, device: t.device }); }
/** Ones with the shape, dtype and device of `t`. */
export function onesLike(t: Tensor): Tensor { return full(t.shape, 1, { dtype: t.dtype, device: t.device }); }
/** `start, start+step, …` below `end`. */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  const [a, b] = end === undefined ? [0, start] : [start, end];
  return new Tensor(N.arange(a, b, step, opts.dtype ?? 'int64', dev(opts)));
}
/** `steps` evenly spaced values from `start` to `end` inclusive. */
export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  return new Tensor(N.linspace(start, end, steps, dt(opts), dev(opts)));
}
export function eye(n: number, opts: TensorOptions = {}): Tensor { return new Tensor(N.eye(n, dt(opts), dev(opts))); }

/** Concatenates along an existing dim. */
export function cat(ts: Tensor[], dim = 0): Tensor { return new Tensor(N.cat(ts.map((t) => t.id), dim)); }
/** Stacks along a new dim. */
export function stack(ts: Tensor[], dim = 0): Tensor { return new Tensor(N.stack(ts.map((t) => t.id), dim)); }
/** Elementwise `cond ? a : b` with broadcasting. */
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor { return new Tensor(N.where(cond.id, a.id, b.id)); }
