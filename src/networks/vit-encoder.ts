/**
 * The image encoder E_φ(y) of DisCo-Diff (Xu et al. 2024, image architecture): a ViT (Dosovitskiy
 * et al. 2021) with m extra classification tokens, one per latent; each token's output → k logits,
 * through one head shared by all latents or (`headPerLatent`) a head of its own per latent.
 */
import { cat, noGrad, type Tensor } from '../engine/index.js';
import { Module, ModuleList } from '../nn/module.js';
import { Conv2d, Embedding, LayerNorm, Linear } from '../nn/layers.js';
import { TransformerBlock } from '../nn/transformer.js';
import { normal, uniform } from '../nn/init.js';
import type { ViTEncoderConfig } from '../config/schema.js';
import type { LatentEncoder } from '../disco/encoder.js';

/**
 * The ViT encoder's constructor arguments: the `encoder` section of a 'vit' run (as resolved by
 * src/config/schema.ts; `headInit` is applied by Stage I, not here) and what the data and
 * `latents` decide.
 */
export interface ViTEncoderOptions extends Omit<ViTEncoderConfig, 'kind' | 'headInit'> {
  resolution: number;    // Image resolution (square, divisible by patch).
  inChannels: number;    // Image channels.
  m: number;             // Number of latents (= latent tokens).
  k: number;             // Codebook size (logits per latent).
  numClasses: number;    // Class labels added to the latent tokens, 0 = none.
}

/** Images (and labels) → latent logits [B, m, k] (see above). */
export class ViTEncoder extends Module implements LatentEncoder {
  readonly m: number;
  readonly k: number;
  readonly patch_embed: Conv2d;
  readonly pos: Tensor;
  readonly latent_tokens: Tensor;
  readonly label_embed: Embedding | null = null;
  readonly blocks: ModuleList<TransformerBlock>;
  readonly ln: LayerNorm;
  /** The shared head (Linear dim → k), or null with `headPerLatent`. */
  readonly head: Linear | null = null;
  /** Per-latent heads: weights [m, dim, k] and biases [m, 1, k], or null with a shared head. */
  readonly heads: { weight: Tensor; bias: Tensor } | null = null;

  constructor(readonly options: ViTEncoderOptions) {
    super();
    const { resolution, inChannels, m, k, patch, dim, depth, heads, numClasses, headPerLatent } = options;
    if (resolution % patch) throw new Error(`ViTEncoder: resolution ${resolution} is not divisible by patch ${patch}`);
    this.m = m;
    this.k = k;
    const T = (resolution / patch) ** 2;
    this.patch_embed = this.module('patch_embed', new Conv2d(inChannels, dim, patch, { stride: patch, padding: 0 }));
    this.pos = this.param('pos', normal([1, T, dim], 0.02));
    this.latent_tokens = this.param('latent_tokens', normal([1, m, dim], 0.02));
    if (numClasses > 0) this.label_embed = this.module('label_embed', new Embedding(numClasses, dim, { std: 0.02 }));
    this.blocks = this.module('blocks', new ModuleList(Array.from({ length: depth }, () => new TransformerBlock(dim, heads))));
    this.ln = this.module('ln', new LayerNorm(dim));
    if (headPerLatent) {
      const bound = 1 / Math.sqrt(dim); // nn.Linear's default init, drawn independently per latent
      this.heads = { weight: this.param('head_weight', uniform([m, dim, k], bound)),
        bias: this.param('head_bias', uniform([m, 1, k], bound)) };
    } else {
      this.head = this.module('head', new Linear(dim, k));
    }
  }

  /** y [B, C, H, W] (labels [B] when class-conditional) → logits [B, m, k]. */
  forward(y: Tensor, labels?: Tensor): Tensor {
    const out = this.features(y, labels); // (B, m, dim)
    if (this.head) return this.head.forward(out); // (B, m, k)
    const { weight, bias } = this.heads!;
    return out.transpose(0, 1).bmm(weight).add(bias).transpose(0, 1); // (m, B, dim)@(m, dim, k) → (B, m, k)
  }

  /** The latent tokens' outputs [B, m, dim] that the heads read. */
  features(y: Tensor, labels?: Tensor): Tensor {
    const B = y.size(0), { m, dim } = this.options;
    const patches = this.patch_embed.forward(y).flatten(2).transpose(1, 2).add(this.pos); // (B, T, dim)
    let tokens = this.latent_tokens.expand(B, m, dim); // (B, m, dim)
    if (this.label_embed) {
      if (!labels) throw new Error('ViTEncoder: this encoder is class-conditional (numClasses > 0) but got no labels');
      tokens = tokens.add(this.label_embed.forward(labels).unsqueeze(1));
    }
    let h = cat([tokens, patches], 1); // (B, m + T, dim)
    for (const b of this.blocks.items) h = b.forward(h);
    return this.ln.forward(h.slice(1, 0, m)); // (B, m, dim)
  }

  /** Sets the per-latent heads (`headPerLatent`): weight [m, dim, k], bias [m, k]. */
  setHeads(weight: Tensor, bias: Tensor): void {
    if (!this.heads) throw new Error('ViTEncoder: setting per-latent heads needs headPerLatent: true');
    noGrad(() => {
      this.heads!.weight.copy_(weight);
      this.heads!.bias.copy_(bias.unsqueeze(1));
    });
  }
}
