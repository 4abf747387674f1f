/**
 * Embeds m discrete latents (each a one-hot or relaxed one-hot over k codes) as m vectors of
 * width `dim`, one table per latent position. The embedding is a matmul with the (soft) one-hot,
 * so gradients of a straight-through Gumbel-Softmax sample reach the encoder. A learned null
 * embedding stands in for dropped or absent latents (classifier-free guidance on the latents).
 */
import { F, cat, where, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import { normal } from '../nn/init.js';
import type { Linear } from '../nn/layers.js';
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
    const B = this.check(z);
    const emb = z.transpose(0, 1).bmm(this.table).transpose(0, 1); // (m, B, k)@(m, k, dim) → (B, m, dim)
    if (!cond.dropLatents) return emb;
    return where(cond.dropLatents.view(B, 1, 1), nul, emb);
  }

  /**
   * proj(flatten(forward(cond))) → [B, out] ([1, out] when there are no latents), computed on the tables: the embedding is linear in z,
   * so `proj` maps the m·k code rows and the m null rows first, and one matmul of
   * [z·(1 − drop), drop] [B, m·k + 1] with those rows then selects and sums them — the same
   * function and gradients, for m·k + m rows of projection instead of B (and no masked select,
   * whose backward on CPU cost the 2-D demo's step more than the projection did).
   */
  project(cond: Conditioning, proj: Linear): Tensor {
    const { m, k, dim } = this, out = proj.outFeatures;
    const W = proj.weight.reshape(out, m, dim).permute(1, 2, 0); // (m, dim, out)
    const dropped = this.nullEmbedding.unsqueeze(1).bmm(W).sum(0); // (m, 1, dim)@(m, dim, out) → (1, out)
    const z = cond.latents;
    if (!z) return proj.bias ? dropped.add(proj.bias) : dropped;
    const B = this.check(z);
    const codes = this.table.bmm(W).reshape(m * k, out); // (m·k, out)
    const drop = cond.dropLatents?.view(B, 1).to({ dtype: codes.dtype }) ?? null; // (B, 1)
    const present = z.reshape(B, m * k);
    const select = drop ? cat([present.mul(drop.rsub(1)), drop], 1) : present; // (B, m·k [+ 1])
    return F.linear(select, (drop ? cat([codes, dropped], 0) : codes).mT, proj.bias);
  }

  /**
   * The MLP's 'presence' input from a one-code table (m = k = 1): proj(table row) in rows whose
   * latents are present, proj(null) in dropped rows → [B, out] ([1, out] when all rows are alike:
   * no latents, or none dropped). The latents' values are not read, only whether they are there.
   */
  presence(cond: Conditioning, proj: Linear): Tensor {
    if (this.m !== 1 || this.k !== 1) throw new Error(`LatentEmbedding.presence: needs a one-code table, this one is m = ${this.m}, k = ${this.k}`);
    const rows = F.linear(cat([this.table.view(1, this.dim), this.nullEmbedding], 0), proj.weight, proj.bias); // (2, out): present, dropped
    if (!cond.latents) return rows.slice(0, 1, 2);
    if (!cond.dropLatents) return rows.slice(0, 0, 1);
    return rows.indexSelect(0, cond.dropLatents.to({ dtype: 'int64' }));
  }

  /** The batch size of latents z [B, m, k], after checking m and k. */
  private check(z: Tensor): number {
    const [B, m, k] = z.shape as [number, number, number];
    if (m !== this.m || k !== this.k) {
      throw new Error(`LatentEmbedding: latents have shape [${B}, ${m}, ${k}], expected [B, ${this.m}, ${this.k}]`);
    }
    return B;
  }
}
