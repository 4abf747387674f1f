/**
 * Embeds m discrete latents (each a one-hot or relaxed one-hot over k codes) as m vectors of
 * width `dim`, one table per latent position. The embedding is a matmul with the (soft) one-hot,
 * so gradients of a straight-through Gumbel-Softmax sample reach the encoder. A learned null
 * embedding stands in for dropped or absent latents (classifier-free guidance on the latents).
 */
import { where, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import { normal } from '../nn/init.js';
import type { Conditioning } from './conditioning.js';

/** m latents → m embeddings (see above). */
export class LatentEmbedding extends Module {
  readonly table: Tensor;
  readonly nullEmbedding: Tensor;

  constructor(readonly m: number, readonly k: number, readonly dim: number) {
    super();
    this.table = this.param('table', normal([m, k, dim], 1)); // (m, k, dim)
    this.nullEmbedding = this.param('null', normal([m, dim], 1)); // (m, dim)
  }

  /** → [B, m, dim]; `batch` is needed when there are no latents at all. */
  forward(cond: Conditioning, batch: number): Tensor {
    const z = cond.latents;
    const nul = this.nullEmbedding.unsqueeze(0).expand(batch, this.m, this.dim);
    if (!z) return nul;
    const [B, m, k] = z.shape as [number, number, number];
    if (m !== this.m || k !== this.k) {
      throw new Error(`LatentEmbedding: latents have shape [${B}, ${m}, ${k}], expected [B, ${this.m}, ${this.k}]`);
    }
    const emb = z.transpose(0, 1).bmm(this.table).transpose(0, 1); // (m, B, k)@(m, k, dim) → (B, m, dim)
    if (!cond.dropLatents) return emb;
    return where(cond.dropLatents.view(B, 1, 1), nul, emb);
  }
}
