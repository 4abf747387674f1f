/**
 * How the docking score network reads pointer latents (DisCo-DiffDock, Xu et al. 2024): latent j
 * picks one node of its complex, a ligand atom or a residue. The chosen nodes enter as one-hot node
 * features (channel j is 1 on latent j's node) and as indicators [z_src, z_dst] on ligand–ligand
 * and receptor–receptor edges, not on cross edges. A complex whose latents are dropped (latent
 * dropout, or no latents given) reads learned unconditional embeddings instead.
 */
import { cat, ones, zeros, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import { Linear } from '../nn/layers.js';
import type { ComplexGraph } from './graph.js';
import type { EdgeLatents } from './message-passing.js';

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

/**
 * The latents of each node set of `g` (see SideLatents); `z` null drops every complex. Throws an
 * Error naming the field when a shape does not fit the graph.
 */
export function sideLatents(g: ComplexGraph, z: NodeLatents | null, m: number): { lig: SideLatents; rec: SideLatents } {
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
  return { lig: side(z?.lig, g.ligBatch, nL), rec: side(z?.rec, g.recBatch, nR) };
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
