/**
 * Stage II of DisCo-Diff (Xu et al. 2024): the autoregressive prior p(z) = Π_i p(z_i | z_<i [, c]) over the m latents, a small
 * causal Transformer (nanoGPT-style). Position 0 reads a start token (the class token when
 * class-conditional); position i reads z_{i−1} and predicts z_i.
 */
import { F, cat, full, rand, tidy, type Generator, type Tensor } from '../engine/index.js';
import { Module, ModuleList } from '../nn/module.js';
import { Embedding, LayerNorm, Linear } from '../nn/layers.js';
import { TransformerBlock } from '../nn/transformer.js';
import { normal } from '../nn/init.js';
import type { PriorConfig } from '../config/schema.js';

/**
 * The prior's constructor arguments: the Transformer's size from the `prior` section (as resolved
 * by src/config/schema.ts) and the latents and classes it models.
 */
export interface PriorOptions extends Pick<PriorConfig, 'dim' | 'layers' | 'heads'> {
  m: number;
  k: number;
  /** Classes for the start token (0 = unconditional). */
  numClasses: number;
}

/** p(z) as a small causal Transformer over the m latents (see above). */
export class LatentPrior extends Module {
  readonly m: number;
  readonly k: number;
  readonly numClasses: number;
  readonly tok: Embedding;
  readonly pos: Tensor;
  readonly blocks: ModuleList<TransformerBlock>;
  readonly lnF: LayerNorm;
  readonly head: Linear;

  constructor(readonly options: PriorOptions) {
    super();
    const { m, k, numClasses, dim, layers, heads } = options;
    this.m = m;
    this.k = k;
    this.numClasses = numClasses;
    // Tokens: codes 0..k-1, then start tokens (one per class, or one).
    this.tok = this.module('tok', new Embedding(k + Math.max(1, numClasses), dim, { std: 0.02 }));
    this.pos = this.param('pos', normal([m, dim], 0.02));
    this.blocks = this.module('blocks', new ModuleList(Array.from({ length: layers }, () => new TransformerBlock(dim, heads))));
    this.lnF = this.module('ln_f', new LayerNorm(dim));
    this.head = this.module('head', new Linear(dim, k));
  }

  /** Start tokens [B, 1]: k + label, or k. */
  private start(batch: number, labels?: Tensor): Tensor {
    if (this.numClasses > 0) {
      if (!labels) throw new Error('LatentPrior: this prior is class-conditional; pass labels');
      return labels.add(this.k).view(batch, 1);
    }
    return full([batch, 1], this.k, { dtype: 'int64', device: this.pos.device });
  }

  /** Logits [B, T, k] for inputs: start token + codes z [B, T−1] (T ≤ m). */
  logits(prefix: Tensor, labels?: Tensor): Tensor {
    const B = prefix.size(0);
    const idx = cat([this.start(B, labels), prefix], 1); // (B, T)
    const T = idx.size(1);
    let h = this.tok.forward(idx).add(this.pos.slice(0, 0, T)); // (B, T, dim)
    for (const b of this.blocks.items) h = b.forward(h, { causal: true });
    return this.head.forward(this.lnF.forward(h));
  }

  /**
   * Mean cross-entropy of codes z [B, m] (int64), or of soft targets probs [B, m, k] (the
   * encoder's probabilities; teacher forcing then uses their argmax).
   */
  loss(target: Tensor, labels?: Tensor): Tensor {
    const soft = target.ndim === 3;
    const z = soft ? target.argmax(-1) : target;
    const logits = this.logits(z.slice(1, 0, this.m - 1), labels); // (B, m, k)
    const flatLogits = logits.reshape(-1, this.k);
    return F.crossEntropy(flatLogits, soft ? target.reshape(-1, this.k) : z.reshape(-1));
  }

  /**
   * Draws n code vectors [n, m] (int64), one position at a time, at a temperature (a run's
   * prior.temperature). `fixed[i]`, when a code, holds latent i at that code for every sample
   * (later latents are drawn given it). Each draw is Gumbel-max, z_i = argmax_c (ℓ_c/T + g_c) with
   * g = −log(−log u), u ~ U(0, 1) [n, k], a sample of softmax(ℓ/T) whose noise is batch-shaped: under
   * row streams (src/engine/random.ts) a sample's codes do not depend on how the n are batched.
   */
  sample(n: number, o: { labels?: Tensor; temperature: number; generator?: Generator;
    fixed?: readonly (number | null)[] }): Tensor {
    const T = o.temperature;
    if (!(T > 0 && Number.isFinite(T))) throw new Error(`prior temperature must be a positive number, got ${T}`);
    if (o.fixed && (o.fixed.length !== this.m || o.fixed.some((c) => c !== null && !(Number.isInteger(c) && c >= 0 && c < this.k)))) {
      throw new Error(`prior: fixed must hold ${this.m} entries, each null or a code 0..${this.k - 1}, got [${o.fixed}]`);
    }
    let z = full([n, 0], 0, { dtype: 'int64', device: this.pos.device });
    for (let i = 0; i < this.m; i++) {
      const held = o.fixed?.[i] ?? null;
      const next = tidy(() => {
        if (held !== null) return cat([z, full([n, 1], held, { dtype: 'int64', device: this.pos.device })], 1);
        const logits = this.logits(z, o.labels).select(1, i).div(T); // (n, k)
        const g = rand([n, this.k], { dtype: 'float64', device: this.pos.device, generator: o.generator }).log().neg().log().neg();
        return cat([z, logits.add(g).argmax(-1, true)], 1);
      });
      z.dispose();
      z = next;
    }
    return z;
  }
}
