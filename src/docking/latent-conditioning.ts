/**
 * How the docking score network reads pointer latents (DisCo-DiffDock, Xu et al. 2024): latent j
 * picks one node of its complex, a ligand atom or a residue. The chosen nodes enter as one-hot node
 * features (channel j is 1 on latent j's node) and as indicators [z_src, z_dst] on ligand–ligand
 * and receptor–receptor edges, not on cross edges. A complex whose latents are dropped (latent
 * dropout, or no latents given) reads learned unconditional embeddings instead.
 */
import { cat, noGrad, ones, zeros, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import { Linear, MLP } from '../nn/layers.js';
import type { ComplexGraph } from './graph.js';
import type { EdgeLatents } from './message-passing.js';
import { gaussianRbf } from './radial.js';

/** Pointer latents on a ComplexGraph's nodes. */
export interface NodeLatents {
  /** [nL, m]: column j is latent j's (relaxed) one-hot over its complex's nodes, ligand-atom part. */
  lig: Tensor;
  /** [nR, m]: the residue part (every complex needs its own receptor copy: complexBatch's shareReceptors false). */
  rec: Tensor;
  /** bool [B]: complexes whose latents are dropped; null/absent = none. */
  drop?: Tensor | null;
}

/** One node set's latents as the network reads them: z [n, m] (zero where dropped) and drop [n, 1] (1 where dropped). */
export interface SideLatents {
  z: Tensor;
  drop: Tensor;
}

/** The latents of a batch as the network reads them: each node set's, and kept [B] (1 where a complex's latents are kept, else 0). */
export interface BatchLatents {
  lig: SideLatents;
  rec: SideLatents;
  kept: Tensor;
}

/**
 * The latents of each node set of `g` (see SideLatents); `z` null drops every complex. Throws an
 * Error naming the field when a shape does not fit the graph.
 */
export function sideLatents(g: ComplexGraph, z: NodeLatents | null, m: number): BatchLatents {
  const like = { dtype: g.ligX.dtype, device: g.ligX.device };
  const B = g.nComplexes, nL = g.ligX.size(0), nR = g.recX.size(0);
  if (z) {
    const expect = (name: string, t: Tensor, shape: number[]): void => {
      if (t.shape.join(',') !== shape.join(',')) throw new Error(`NodeLatents.${name}: expected shape [${shape}], got [${t.shape}]`);
    };
    expect('lig', z.lig, [nL, m]);
    expect('rec', z.rec, [nR, m]);
    if (z.drop) expect('drop', z.drop, [B]);
  }
  const drop = !z ? ones([B], like) : z.drop ? z.drop.to(like) : zeros([B], like); // (B)
  const side = (values: Tensor | undefined, batch: Tensor, n: number): SideLatents => {
    const d = drop.indexSelect(0, batch).unsqueeze(1); // (n, 1)
    return { z: values ? values.mul(d.rsub(1)) : zeros([n, m], like), drop: d };
  };
  return { lig: side(z?.lig, g.ligBatch, nL), rec: side(z?.rec, g.recBatch, nR), kept: drop.rsub(1) };
}

/** The latents on edges src → dst of one node set: [z_src, z_dst] and the complex's drop flag. */
export function edgeLatents(s: SideLatents, src: Tensor, dst: Tensor): EdgeLatents {
  return { ind: cat([s.z.indexSelect(0, src), s.z.indexSelect(0, dst)], 1), drop: s.drop.indexSelect(0, dst) };
}

/**
 * The latents' term of the initial node states: W z on the nodes of conditioned complexes, a
 * learned unconditional embedding u on those of dropped ones (one W and u per node set).
 */
export class LatentNodeInput extends Module {
  readonly ligIn: Linear;
  readonly recIn: Linear;
  readonly ligNull: Tensor;
  readonly recNull: Tensor;
  constructor(readonly m: number, hidden: number) {
    super();
    this.ligIn = this.module('lig_in', new Linear(m, hidden, { bias: false }));
    this.recIn = this.module('rec_in', new Linear(m, hidden, { bias: false }));
    // Zero, as the official code's unconditional embeddings start.
    this.ligNull = this.param('lig_null', zeros([hidden]));
    this.recNull = this.param('rec_null', zeros([hidden]));
  }
  /** → the terms to add to the ligand [nL, H] and residue [nR, H] states. */
  forward(s: { lig: SideLatents; rec: SideLatents }): { lig: Tensor; rec: Tensor } {
    return {
      lig: this.ligIn.forward(s.lig.z).add(s.lig.drop.mul(this.ligNull)),
      rec: this.recIn.forward(s.rec.z).add(s.rec.drop.mul(this.recNull)),
    };
  }
}

/**
 * A direct path from the pointer latents to the translation score (`latents.pull`; not in the
 * official code, which has only the node and edge inputs above): with p_j the position of the node
 * latent j points to (Σ_n z_nj x_n, so the straight-through gradient reaches the encoder) and c the
 * ligand's centre,
 *   pull = Σ_j a_j(t, |p_j − c|) (p_j − c)/(|p_j − c| + 1),
 * a_j an MLP of the time embedding and the distance's radial features, zero at the start; nothing
 * for a dropped complex. Invariant a times a relative vector: it rotates with the complex and
 * ignores translations, as the score must.
 */
export class PointerPull extends Module {
  readonly mlp: MLP;
  constructor(readonly m: number, hidden: number, readonly rbf: number, readonly cutoff: number) {
    super();
    this.mlp = this.module('mlp', new MLP([hidden + rbf, hidden, 1]));
    const last = this.mlp.layers.at(-1)!;
    noGrad(() => { last.weight.zero_(); last.bias?.zero_(); });
  }

  /** The pull [B, 3] of `g`'s complexes with side latents `s` (sideLatents) and time embeddings temb [B, H]. */
  forward(g: ComplexGraph, s: BatchLatents, temb: Tensor): Tensor {
    const B = g.nComplexes, m = this.m;
    const at = (side: SideLatents, x: Tensor, batch: Tensor) =>
      zeros([B, m, 3], { dtype: x.dtype, device: x.device }).indexAdd(0, batch, side.z.unsqueeze(2).mul(x.unsqueeze(1))); // (B, m, 3)
    const p = at(s.lig, g.ligX, g.ligBatch).add(at(s.rec, g.recX, g.recBatch));
    const v = p.sub(g.center.unsqueeze(1)); // (B, m, 3)
    const d = v.square().sum(2).add(1e-12).sqrt(); // (B, m)
    const features = cat([temb.unsqueeze(1).expand(B, m, temb.size(1)), gaussianRbf(d.flatten(), this.rbf, this.cutoff).view(B, m, this.rbf)], 2);
    const a = this.mlp.forward(features).squeeze(2).mul(s.kept.unsqueeze(1)); // (B, m)
    return v.div(d.add(1).unsqueeze(2)).mul(a.unsqueeze(2)).sum(1); // (B, 3)
  }
}
