/** Multi-head attention, usable as self-attention (context = x) and cross-attention. */
import { F, type Tensor } from '../engine/index.js';
import { Module } from './module.js';
import { Linear } from './layers.js';
import type { InitOptions } from './init.js';

/** Multi-head scaled dot-product attention with q, k, v and output projections. */
export class MultiheadAttention extends Module {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  constructor(readonly dim: number, readonly heads: number, o: InitOptions & { contextDim?: number } = {}) {
    super();
    if (dim % heads) throw new Error(`MultiheadAttention: dim ${dim} is not divisible by ${heads} heads`);
    const ctx = o.contextDim ?? dim;
    this.q = this.module('q', new Linear(dim, dim, o));
    this.k = this.module('k', new Linear(ctx, dim, o));
    this.v = this.module('v', new Linear(ctx, dim, o));
    this.o = this.module('o', new Linear(dim, dim, o));
  }

  /** x [B, T, dim], context [B, S, contextDim] (default x) → [B, T, dim]. */
  forward(x: Tensor, context: Tensor = x, opts: { mask?: Tensor; causal?: boolean } = {}): Tensor {
    const [B, T] = x.shape as [number, number];
    const S = context.size(1);
    const h = this.heads, hs = this.dim / h;
    const split = (t: Tensor, len: number) => t.view(B, len, h, hs).transpose(1, 2); // (B, h, len, hs)
    const q = split(this.q.forward(x), T);
    const k = split(this.k.forward(context), S);
    const v = split(this.v.forward(context), S);
    const y = F.scaledDotProductAttention(q, k, v, opts); // (B, h, T, hs)
    return this.o.forward(y.transpose(1, 2).reshape(B, T, this.dim));
  }
}
