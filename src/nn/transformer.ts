/** A pre-LayerNorm Transformer block (as GPT-2/ViT): x + attn(ln(x)); x + mlp(ln(x)). */
import type { Tensor } from '../engine/index.js';
import { Module } from './module.js';
import { Dropout, LayerNorm, Linear } from './layers.js';
import { MultiheadAttention } from './attention.js';

/** A pre-LayerNorm Transformer block: attention, then a 4× MLP, each residual. */
export class TransformerBlock extends Module {
  readonly ln1: LayerNorm;
  readonly attn: MultiheadAttention;
  readonly ln2: LayerNorm;
  readonly fc: Linear;
  readonly proj: Linear;
  readonly drop: Dropout;

  constructor(readonly dim: number, heads: number, o: { mlpRatio?: number; dropout?: number } = {}) {
    super();
    const hidden = Math.round(dim * (o.mlpRatio ?? 4));
    this.ln1 = this.module('ln1', new LayerNorm(dim));
    this.attn = this.module('attn', new MultiheadAttention(dim, heads));
    this.ln2 = this.module('ln2', new LayerNorm(dim));
    this.fc = this.module('fc', new Linear(dim, hidden));
    this.proj = this.module('proj', new Linear(hidden, dim));
    this.drop = this.module('drop', new Dropout(o.dropout ?? 0));
  }

  /** x [B, T, dim] → [B, T, dim]; `causal` for autoregressive use. */
  forward(x: Tensor, o: { causal?: boolean } = {}): Tensor {
    const h = x.add(this.drop.forward(this.attn.forward(this.ln1.forward(x), undefined, o)));
    return h.add(this.drop.forward(this.proj.forward(this.fc.forward(this.ln2.forward(h)).gelu())));
  }
}
