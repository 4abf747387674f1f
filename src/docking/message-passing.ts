/**
 * The message-passing building blocks of the docking networks (the score network, the latent
 * encoder, the prior's context): invariant edge features of a ComplexGraph, edge MLPs, and the
 * interaction layer that updates ligand-atom and residue states. Node states see positions only
 * through distances, so they are E(3)-invariant.
 */
import { cat, ones, tidy, zeros, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import { LayerNorm, Linear, MLP } from '../nn/layers.js';
import type { ComplexGraph } from './graph.js';
import { gaussianRbf } from './radial.js';

/**
 * The latents on the edges of one kind: ind [E, 2m] = [z_src, z_dst] (the pointer indicators of
 * both ends, zero where the complex's latents are dropped) and drop [E, 1] (1 where they are).
 */
export interface EdgeLatents {
  ind: Tensor;
  drop: Tensor;
}

/** Edges of one kind, messages src → dst: invariant features feat [E, ·], dir = (x_dst − x_src)/(|x_dst − x_src| + 1) [E, 3]. */
export interface Edges {
  dst: Tensor;
  src: Tensor;
  feat: Tensor;
  dir: Tensor;
  /** The latents on these edges (ligand–ligand and receptor–receptor edges of a network with latents). */
  latent?: EdgeLatents;
}

/**
 * Every edge kind of a batch (cross: dst = ligand atom, src = residue; crossToRec, when built, the
 * same pairs the other way) and the mean normalisers 1/max(degree, 1) [n, 1].
 */
export interface BatchEdges {
  lig: Edges;
  /** Absent when built without residue edges (a network given cached residue states does not need them). */
  rec?: Edges;
  cross: Edges;
  crossToRec?: Edges;
  invDeg: { ligLig: Tensor; ligCross: Tensor; recRec?: Tensor; ligAll: Tensor; recCross?: Tensor };
}

/** Node states: ligand atoms [nL, H], residues [nR, H]. */
export interface NodeStates {
  lig: Tensor;
  rec: Tensor;
}

/**
 * φ([h_dst, h_src, e]) = W₂ SiLU(A h_dst + B h_src + C e + b) + b₂, a 2-layer MLP on the
 * concatenation whose first layer is applied to the nodes before they are gathered onto the
 * edges (the same function, with far fewer flops). With m latents the first layer also reads the
 * edge's pointer indicators, + L [z_src, z_dst], and a learned unconditional vector u on the edges
 * of complexes whose latents are dropped.
 */
export class EdgeMLP extends Module {
  readonly dstIn: Linear;
  readonly srcIn: Linear;
  readonly edgeIn: Linear;
  readonly out: Linear;
  readonly latentIn: Linear | null = null;
  readonly nullEmbedding: Tensor | null = null;
  constructor(nodeDim: number, edgeDim: number, hidden: number, outDim: number, latents = 0) {
    super();
    this.dstIn = this.module('dst_in', new Linear(nodeDim, hidden, { bias: false }));
    this.srcIn = this.module('src_in', new Linear(nodeDim, hidden, { bias: false }));
    this.edgeIn = this.module('edge_in', new Linear(edgeDim, hidden));
    this.out = this.module('out', new Linear(hidden, outDim));
    if (latents > 0) {
      this.latentIn = this.module('latent_in', new Linear(2 * latents, hidden, { bias: false }));
      this.nullEmbedding = this.param('null', zeros([hidden]));
    }
  }
  /** hDst, hSrc: states of the node sets e.dst and e.src index → [E, outDim] */
  forward(hDst: Tensor, hSrc: Tensor, e: Edges): Tensor {
    if (this.latentIn && !e.latent) throw new Error('EdgeMLP: this edge MLP reads latents, but the edges carry none');
    return tidy(() => {
      // The [E, hidden] terms are the networks' largest tensors: summed in place, each freed once added.
      const pre = this.dstIn.forward(hDst).indexSelect(0, e.dst);
      const add = (term: Tensor) => { pre.add_(term); term.dispose(); };
      add(this.srcIn.forward(hSrc).indexSelect(0, e.src));
      add(this.edgeIn.forward(e.feat));
      if (this.latentIn) {
        add(this.latentIn.forward(e.latent!.ind));
        add(e.latent!.drop.mul(this.nullEmbedding!));
      }
      return this.out.forward(pre.silu());
    });
  }
}

/** Sums the rows of msg [E, C] at index [E] into invDeg.size(0) rows and scales them by invDeg [n, 1]. */
export function aggregate(msg: Tensor, index: Tensor, invDeg: Tensor): Tensor {
  return zeros([invDeg.size(0), msg.size(1)], { dtype: msg.dtype, device: msg.device }).indexAdd(0, index, msg).mul(invDeg);
}

/** Options of an interaction layer beyond its widths. */
export interface InteractionOptions {
  /** Pointer latents m read on ligand–ligand and receptor–receptor edges (0: none). */
  latents?: number;
  /** Residues also hear ligand atoms (cross edges both ways); needs BatchEdges.crossToRec. */
  residuesHearLigand?: boolean;
}

/**
 * One round of message passing: ligand–ligand, receptor–receptor and receptor → ligand messages
 * (one MLP per edge kind), averaged over each node's edges of that kind, then
 * h ← LayerNorm(h + φ_h([h, m̄…])) on each side. By default residues hear only residues and do not
 * see t, so their states depend on the receptor alone and every complex of one receptor in a batch
 * can share them (src/docking/featurize.ts: complexBatch); ligand atoms hear both and carry t. With
 * `residuesHearLigand` residues also average ligand → residue messages (the latent encoder).
 */
export class InteractionLayer extends Module {
  readonly ligLig: EdgeMLP;
  readonly recRec: EdgeMLP;
  readonly cross: EdgeMLP;
  readonly ligUpdate: MLP;
  readonly recUpdate: MLP;
  readonly ligNorm: LayerNorm;
  readonly recNorm: LayerNorm;
  readonly recCross: EdgeMLP | null = null;
  constructor(hidden: number, ligEdgeDim: number, rbf: number, o: InteractionOptions = {}) {
    super();
    const m = o.latents ?? 0;
    this.ligLig = this.module('lig_lig', new EdgeMLP(hidden, ligEdgeDim, hidden, hidden, m));
    this.recRec = this.module('rec_rec', new EdgeMLP(hidden, rbf, hidden, hidden, m));
    this.cross = this.module('cross', new EdgeMLP(hidden, rbf, hidden, hidden));
    this.ligUpdate = this.module('lig_update', new MLP([3 * hidden, hidden, hidden]));
    this.recUpdate = this.module('rec_update', new MLP([(o.residuesHearLigand ? 3 : 2) * hidden, hidden, hidden]));
    this.ligNorm = this.module('lig_norm', new LayerNorm(hidden));
    this.recNorm = this.module('rec_norm', new LayerNorm(hidden));
    if (o.residuesHearLigand) this.recCross = this.module('rec_cross', new EdgeMLP(hidden, rbf, hidden, hidden));
  }
  forward(h: NodeStates, e: BatchEdges): NodeStates {
    return { lig: this.ligandUpdate(h, e), rec: this.residueUpdate(h.rec, e, h.lig) };
  }

  /** The ligand atoms' new states (they hear ligand atoms and residues). */
  ligandUpdate(h: NodeStates, e: BatchEdges): Tensor {
    const { invDeg } = e;
    const ligMsg = cat([
      h.lig,
      aggregate(this.ligLig.forward(h.lig, h.lig, e.lig), e.lig.dst, invDeg.ligLig),
      aggregate(this.cross.forward(h.lig, h.rec, e.cross), e.cross.dst, invDeg.ligCross),
    ], 1);
    return this.ligNorm.forward(h.lig.add(this.ligUpdate.forward(ligMsg)));
  }

  /** The residues' new states; `hLig` is read only by a layer whose residues hear the ligand. */
  residueUpdate(hRec: Tensor, e: BatchEdges, hLig?: Tensor): Tensor {
    const { invDeg } = e;
    if (!e.rec || !invDeg.recRec) throw new Error('InteractionLayer: the residue → residue edges were not built');
    const recParts = [hRec, aggregate(this.recRec.forward(hRec, hRec, e.rec), e.rec.dst, invDeg.recRec)];
    if (this.recCross) {
      if (!e.crossToRec || !invDeg.recCross || !hLig) throw new Error('InteractionLayer: residues hear the ligand, but the ligand states or the ligand → residue edges were not given');
      recParts.push(aggregate(this.recCross.forward(hRec, hLig, e.crossToRec), e.crossToRec.dst, invDeg.recCross));
    }
    return this.recNorm.forward(hRec.add(this.recUpdate.forward(cat(recParts, 1))));
  }
}

/** Displacements dst − src of the edges: invariant distances [E] and damped directions [E, 3]. */
function displacement(xDst: Tensor, xSrc: Tensor, dst: Tensor, src: Tensor): { dist: Tensor; dir: Tensor } {
  const r = xDst.indexSelect(0, dst).sub(xSrc.indexSelect(0, src)); // (E, 3)
  const dist = r.norm(2, 1);
  return { dist, dir: r.div(dist.add(1).unsqueeze(1)) };
}

/** 1/max(degree, 1) [n, 1] of n nodes over the edge ends in `ends`. */
function inverseDegree(n: number, ends: Tensor[], like: Tensor): Tensor {
  const o = { dtype: like.dtype, device: like.device };
  const deg = ends.reduce((d, i) => d.indexAdd(0, i, ones([i.numel], o)), zeros([n], o));
  return deg.clamp(1).reciprocal().unsqueeze(1);
}

/** The radial basis sizes of a network: features per distance and the range of each edge kind (Å). */
export interface RadialOptions {
  rbf: number;
  cutoffs: { lig: number; rec: number; cross: number };
}

/**
 * Radial (and bond) features, directions and mean normalisers of every edge kind of `g`; with
 * `crossToRec` also the ligand → residue edges (the cross pairs reversed); with `residueEdges`
 * false no residue → residue edges.
 */
export function graphEdges(g: ComplexGraph, r: RadialOptions, o: { crossToRec?: boolean; residueEdges?: boolean } = {}): BatchEdges {
  const { rbf, cutoffs } = r;
  const nL = g.ligX.size(0), nR = g.recX.size(0);
  const { src: ls, dst: ld, attr } = g.ligEdges;
  const { lig: xl, rec: xr } = g.crossEdges;
  const lig = displacement(g.ligX, g.ligX, ld, ls);
  const cross = displacement(g.ligX, g.recX, xl, xr);
  const crossFeat = gaussianRbf(cross.dist, rbf, cutoffs.cross);
  const e: BatchEdges = {
    lig: { dst: ld, src: ls, dir: lig.dir, feat: cat([gaussianRbf(lig.dist, rbf, cutoffs.lig), attr], 1) },
    cross: { dst: xl, src: xr, dir: cross.dir, feat: crossFeat },
    invDeg: {
      ligLig: inverseDegree(nL, [ld], g.ligX),
      ligCross: inverseDegree(nL, [xl], g.ligX),
      ligAll: inverseDegree(nL, [ld, xl], g.ligX),
    },
  };
  if (o.residueEdges ?? true) {
    if (!g.recEdges) throw new Error('the residue → residue edges are needed, but the graph was built without them');
    const { src: rs, dst: rd } = g.recEdges;
    const rec = displacement(g.recX, g.recX, rd, rs);
    e.rec = { dst: rd, src: rs, dir: rec.dir, feat: gaussianRbf(rec.dist, rbf, cutoffs.rec) };
    e.invDeg.recRec = inverseDegree(nR, [rd], g.ligX);
  }
  if (o.crossToRec) {
    e.crossToRec = { dst: xr, src: xl, dir: cross.dir.neg(), feat: crossFeat };
    e.invDeg.recCross = inverseDegree(nR, [xr], g.ligX);
  }
  return e;
}
