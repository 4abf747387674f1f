/**
 * The typed Tensor: one native handle, owned once, freed once. Methods mirror PyTorch's names
 * (in-place updates end in `_`); shapes are checked by libtorch and errors name the op.
 */
import { N, type Id } from './native.js';
import { track, untrack, type Owned } from './scope.js';

/** Element types a tensor can hold. */
export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'uint8' | 'bool' | 'float16' | 'bfloat16';
/** Where a tensor lives: `cpu`, `cuda` or `cuda:N`. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;
/** A typed array holding a tensor's elements. */
export type TypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
/** A nested JS array of numbers (or booleans). */
export type NestedArray = number | boolean | NestedArray[];
/** A tensor or a plain number (broadcast as a scalar). */
export type TensorLike = Tensor | number;

/** Typed-array constructor for each exportable dtype. */
export const ARRAY_TYPES = {
  float32: Float32Array, float64: Float64Array, int64: BigInt64Array, int32: Int32Array, uint8: Uint8Array,
  bool: Uint8Array,
} as const;

/** A handle to a libtorch tensor. Create tensors with the functions in `creation.ts`. */
export class Tensor implements Owned {
  private _id: Id;
  private _disposed = false;

  /** @internal wraps a fresh native handle; use the creation functions instead. */
  constructor(id: Id) {
    this._id = id;
    track(this);
  }

  /** @internal the native handle; throws after dispose. */
  get id(): Id {
    if (this._disposed) throw new Error('Tensor was used after dispose()');
    return this._id;
  }
  get rawId(): Id {
    return this._id;
  }
  get disposed(): boolean {
    return this._disposed;
  }
  /** Frees the native tensor. Safe to call twice. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    untrack(this);
    N.dispose(this._id);
  }

  // ---- facts ------------------------------------------------------------------------------
  get shape(): number[] {
    return N.shape(this.id);
  }
  get dtype(): DType {
    return N.dtype(this.id) as DType;
  }
  get device(): Device {
    return N.device(this.id) as Device;
  }
  get ndim(): number {
    return this.shape.length;
  }
  get numel(): number {
    return N.numel(this.id);
  }
  /** Size of dimension `d` (negative counts from the end). */
  size(d: number): number {
    const s = this.shape;
    const k = d < 0 ? s.length + d : d;
    if (k < 0 || k >= s.length) throw new Error(`size: dim ${d} out of range for shape [${s}]`);
    return s[k]!;
  }
  toString(): string {
    return `Tensor(shape=[${this.shape}], dtype=${this.dtype}, device=${this.device})`;
  }

  // ---- export -----------------------------------------------------------------------------
  /** Copies the elements (row-major) into a typed array; float16/bfloat16 come back as float32. */
  dataSync(): TypedArray {
    const dt = this.dtype;
    if (dt === 'float16' || dt === 'bfloat16') {
      const f = this.to({ dtype: 'float32' });
      try { return f.dataSync(); } finally { f.dispose(); }
    }
    return new ARRAY_TYPES[dt](N.toBuffer(this.id));
  }
  /** The elements as a flat array of JS numbers. */
  toFlatArray(): number[] {
    return Array.from(this.dataSync() as ArrayLike<number | bigint>, Number);
  }
  /** The elements as nested arrays following the shape. */
  toArray(): NestedArray {
    const flat = this.toFlatArray();
    const shape = this.shape;
    const build = (d: number, off: number): NestedArray => {
      if (d === shape.length) return flat[off]!;
      const stride = shape.slice(d + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: shape[d]! }, (_, i) => build(d + 1, off + i * stride));
    };
    return build(0, 0);
  }
  /** The value of a one-element tensor. */
  item(): number {
    return N.item(this.id);
  }

  // ---- conversion -------------------------------------------------------------------------
  /** Copy to another device and/or dtype. Always a new handle, but when nothing changes it shares
   * storage with this tensor (as PyTorch): use clone() for an independent copy. */
  to(opts: { device?: Device; dtype?: DType }): Tensor {
    return new Tensor(N.to(this.id, opts.device ?? null, opts.dtype ?? null));
  }
  float(): Tensor { return this.to({ dtype: 'float32' }); }
  double(): Tensor { return this.to({ dtype: 'float64' }); }
  long(): Tensor { return this.to({ dtype: 'int64' }); }
  clone(): Tensor { return new Tensor(N.clone(this.id)); }
  contiguous(): Tensor { return new Tensor(N.contiguous(this.id)); }
  /** A tensor sharing storage, cut from the autograd graph. */
  detach(): Tensor { return new Tensor(N.detach(this.id)); }

  // ---- elementwise ------------------------------------------------------------------------
  private un(op: string): Tensor { return new Tensor(N.unary(op, this.id)); }
  private bin(op: string, o: TensorLike): Tensor {
    return new Tensor(typeof o === 'number' ? N.binaryScalar(op, this.id, o) : N.binary(op, this.id, o.id));
  }
  add(o: TensorLike): Tensor { return this.bin('add', o); }
  sub(o: TensorLike): Tensor { return this.bin('sub', o); }
  mul(o: TensorLike): Tensor { return this.bin('mul', o); }
  div(o: TensorLike): Tensor { return this.bin('div', o); }
  pow(o: TensorLike): Tensor { return this.bin('pow', o); }
  /** `s - this` */
  rsub(s: number): Tensor { return new Tensor(N.binaryScalar('rsub', this.id, s)); }
  /** `s / this` */
  rdiv(s: number): Tensor { return new Tensor(N.binaryScalar('rdiv', this.id, s)); }
  maximum(o: TensorLike): Tensor { return this.bin('maximum', o); }
  minimum(o: TensorLike): Tensor { return this.bin('minimum', o); }
  remainder(o: TensorLike): Tensor { return this.bin('remainder', o); }
  eq(o: TensorLike): Tensor { return this.bin('eq', o); }
  ne(o: TensorLike): Tensor { return this.bin('ne', o); }
  lt(o: TensorLike): Tensor { return this.bin('lt', o); }
  le(o: TensorLike): Tensor { return this.bin('le', o); }
  gt(o: TensorLike): Tensor { return this.bin('gt', o); }
  ge(o: TensorLike): Tensor { return this.bin('ge', o); }
  logicalAnd(o: Tensor): Tensor { return this.bin('logical_and', o); }
  logicalOr(o: Tensor): Tensor { return this.bin('logical_or', o); }
  logicalNot(): Tensor { return this.un('logical_not'); }
  neg(): Tensor { return this.un('neg'); }
  exp(): Tensor { return this.un('exp'); }
  log(): Tensor { return this.un('log'); }
  log1p(): Tensor { return this.un('log1p'); }
  expm1(): Tensor { return this.un('expm1'); }
  sqrt(): Tensor { return this.un('sqrt'); }
  rsqrt(): Tensor { return this.un('rsqrt'); }
  abs(): Tensor { return this.un('abs'); }
  sign(): Tensor { return this.un('sign'); }
  square(): Tensor { return this.un('square'); }
  reciprocal(): Tensor { return this.un('reciprocal'); }
  floor(): Tensor { return this.un('floor'); }
  ceil(): Tensor { return this.un('ceil'); }
  round(): Tensor { return this.un('round'); }
  sin(): Tensor { return this.un('sin'); }
  cos(): Tensor { return this.un('cos'); }
  tanh(): Tensor { return this.un('tanh'); }
  erf(): Tensor { return this.un('erf'); }
  sigmoid(): Tensor { return this.un('sigmoid'); }
  relu(): Tensor { return this.un('relu'); }
  silu(): Tensor { return this.un('silu'); }
  gelu(): Tensor { return this.un('gelu'); }
  softplus(): Tensor { return this.un('softplus'); }
  isnan(): Tensor { return this.un('isnan'); }
  isfinite(): Tensor { return this.un('isfinite'); }
  clamp(min: number | null, max: number | null = null): Tensor { return new Tensor(N.clamp(this.id, min, max)); }
  maskedFill(mask: Tensor, value: number): Tensor { return new Tensor(N.maskedFill(this.id, mask.id, value)); }

  // ---- in-place (for optimizers; run them under noGrad on parameters) -----------------------
  zero_(): this { N.inplace('zero_', this.id); return this; }
  fill_(v: number): this { N.inplace('fill_', this.id, v); return this; }
  copy_(src: Tensor): this { N.inplace('copy_', this.id, src.id); return this; }
  mul_(o: TensorLike): this {
    if (typeof o === 'number') N.inplace('mul_', this.id, o);
    else N.inplace('mul_t_', this.id, o.id);
    return this;
  }
  /** `this += alpha * o` (or `this += o` for a number). */
  add_(o: TensorLike, alpha = 1): this {
    if (typeof o === 'number') N.inplace('add_s_', this.id, o);
    else N.inplace('add_', this.id, o.id, alpha);
    return this;
  }
  /** `this += w * (end - this)` */
  lerp_(end: Tensor, w: number): this { N.inplace('lerp_', this.id, end.id, w); return this; }
  /** `this += v * a * b` */
  addcmul_(a: Tensor, b: Tensor, v: number): this { N.inplace('addcmul_', this.id, a.id, b.id, v); return this; }
  /** `this += v * a / b` */
  addcdiv_(a: Tensor, b: Tensor, v: number): this { N.inplace('addcdiv_', this.id, a.id, b.id, v); return this; }
  sqrt_(): this { N.inplace('sqrt_', this.id); return this; }
  clamp_(min: number | null, max: number | null = null): this { N.inplace('clamp_', this.id, min, max); return this; }

  // ---- reductions (dims omitted = all) ------------------------------------------------------
  private red(op: string, dims: number | number[] | undefined, keepdim: boolean): Tensor {
    const d = dims === undefined ? [] : typeof dims === 'number' ? [dims] : dims;
    return new Tensor(N.reduce(op, this.id, d, keepdim));
  }
  sum(dims?: number | number[], keepdim = false): Tensor { return this.red('sum', dims, keepdim); }
  mean(dims?: number | number[], keepdim = false): Tensor { return this.red('mean', dims, keepdim); }
  /** Largest value (over `dims`); use `maxDim` for values with indices. */
  max(dims?: number | number[], keepdim = false): Tensor { return this.red('amax', dims, keepdim); }
  min(dims?: number | number[], keepdim = false): Tensor { return this.red('amin', dims, keepdim); }
  prod(dim?: number, keepdim = false): Tensor { return this.red('prod', dim, keepdim); }
  logsumexp(dims?: number | number[], keepdim = false): Tensor { return this.red('logsumexp', dims, keepdim); }
  any(dim?: number, keepdim = false): Tensor { return this.red('any', dim, keepdim); }
  all(dim?: number, keepdim = false): Tensor { return this.red('all', dim, keepdim); }
  /** Variance with Bessel's correction `correction` (1 = unbiased, 0 = population). */
  var(dims?: number | number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    const d = dims === undefined ? [] : typeof dims === 'number' ? [dims] : dims;
    return new Tensor(N.var(this.id, d, opts.correction ?? 1, opts.keepdim ?? false));
  }
  /** Vector p-norm over `dims` (all by default). */
  norm(p = 2, dims?: number | number[], keepdim = false): Tensor {
    const d = dims === undefined ? [] : typeof dims === 'number' ? [dims] : dims;
    return new Tensor(N.norm(this.id, p, d, keepdim));
  }
  maxDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    const [v, i] = N.maxDim('max', this.id, dim, keepdim);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  minDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    const [v, i] = N.maxDim('min', this.id, dim, keepdim);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  argmax(dim: number, keepdim = false): Tensor { return new Tensor(N.argmax('argmax', this.id, dim, keepdim)); }
  argmin(dim: number, keepdim = false): Tensor { return new Tensor(N.argmax('argmin', this.id, dim, keepdim)); }
  cumsum(dim: number): Tensor { return new Tensor(N.cumsum(this.id, dim)); }
  sort(dim = -1, descending = false): { values: Tensor; indices: Tensor } {
    const [v, i] = N.sort(this.id, dim, descending);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  topk(k: number, dim = -1, largest = true): { values: Tensor; indices: Tensor } {
    const [v, i] = N.topk(this.id, k, dim, largest);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }

  // ---- linear algebra -----------------------------------------------------------------------
  matmul(o: Tensor): Tensor { return new Tensor(N.matmul(this.id, o.id)); }
  bmm(o: Tensor): Tensor { return new Tensor(N.bmm(this.id, o.id)); }

  // ---- shape --------------------------------------------------------------------------------
  reshape(...shape: number[]): Tensor { return new Tensor(N.reshape(this.id, shape)); }
  view(...shape: number[]): Tensor { return new Tensor(N.view(this.id, shape)); }
  permute(...dims: number[]): Tensor { return new Tensor(N.permute(this.id, dims)); }
  transpose(d0: number, d1: number): Tensor { return new Tensor(N.transpose(this.id, d0, d1)); }
  /** Transpose of the last two dims. */
  get mT(): Tensor { return this.transpose(-2, -1); }
  expand(...shape: number[]): Tensor { return new Tensor(N.expand(this.id, shape)); }
  squeeze(dim?: number): Tensor { return new Tensor(N.squeeze(this.id, dim)); }
  unsqueeze(dim: number): Tensor { return new Tensor(N.unsqueeze(this.id, dim)); }
  flatten(start = 0, end = -1): Tensor { return new Tensor(N.flatten(this.id, start, end)); }
  repeat(...reps: number[]): Tensor { return new Tensor(N.repeat(this.id, reps)); }
  flip(...dims: number[]): Tensor { return new Tensor(N.flip(this.id, dims)); }
  split(sizes: number | number[], dim = 0): Tensor[] {
    const s = typeof sizes === 'number' ? splitSizes(this.size(dim), sizes) : sizes;
    return N.split(this.id, s, dim).map((id) => new Tensor(id));
  }
  chunk(n: number, dim = 0): Tensor[] { return N.chunk(this.id, n, dim).map((id) => new Tensor(id)); }
  /** Elements `start..end` (exclusive, negative from the end) of `dim`, every `step`-th. */
  slice(dim: number, start: number, end = Number.MAX_SAFE_INTEGER, step = 1): Tensor {
    return new Tensor(N.slice(this.id, dim, start, end, step));
  }
  /** Index `index` of `dim`, dropping that dim. */
  select(dim: number, index: number): Tensor { return new Tensor(N.select(this.id, dim, index)); }
  indexSelect(dim: number, index: Tensor): Tensor { return new Tensor(N.indexSelect(this.id, dim, index.id)); }
  gather(dim: number, index: Tensor): Tensor { return new Tensor(N.gather(this.id, dim, index.id)); }
  /** A copy of this tensor with `source`'s slices added at `index` along `dim` (scatter-sum; repeated indices add up). */
  indexAdd(dim: number, index: Tensor, source: Tensor): Tensor { return new Tensor(N.indexAdd(this.id, dim, index.id, source.id)); }
  maskedSelect(mask: Tensor): Tensor { return new Tensor(N.maskedSelect(this.id, mask.id)); }
  tril(diagonal = 0): Tensor { return new Tensor(N.tri('tril', this.id, diagonal)); }
  triu(diagonal = 0): Tensor { return new Tensor(N.tri('triu', this.id, diagonal)); }
  softmax(dim: number): Tensor { return new Tensor(N.softmax('softmax', this.id, dim)); }
  logSoftmax(dim: number): Tensor { return new Tensor(N.softmax('log_softmax', this.id, dim)); }

  /** Points this handle at `src`'s storage (same Tensor object; used to move parameters). */
  setData_(src: Tensor): this { N.setData(this.id, src.id); return this; }

  // ---- autograd -----------------------------------------------------------------------------
  get requiresGrad(): boolean { return N.requiresGrad(this.id); }
  /** Marks this (leaf) tensor as needing gradients. */
  requiresGrad_(flag = true): this { N.setRequiresGrad(this.id, flag); return this; }
  get isLeaf(): boolean { return N.isLeaf(this.id); }
  /** The accumulated gradient (a new handle sharing storage), or null. */
  get grad(): Tensor | null {
    const g = N.gradOf(this.id);
    return g === null ? null : new Tensor(g);
  }
  /** Replaces the accumulated gradient (null clears it, as `zero_grad(set_to_none=True)`). */
  setGrad(g: Tensor | null): void { N.setGrad(this.id, g === null ? null : g.id); }
  /** Back-propagates from this tensor (a scalar unless `grad` is given). */
  backward(grad?: Tensor, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    N.backward(this.id, grad ? grad.id : null, opts.retainGraph ?? false, opts.createGraph ?? false);
  }
}

function splitSizes(total: number, size: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < total; s += size) out.push(Math.min(size, total - s));
  return out;
}
