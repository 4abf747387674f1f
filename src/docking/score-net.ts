/**
 * The docking score network: message passing in the style of EGNN (Satorras et al., ICML 2021),
 * without coordinate updates, over ligand atoms and receptor residues; its outputs are the
 * translation, rotation and torsion scores of DiffDock (Corso et al., ICLR 2023).
 *
 * Node states h are E(3)-invariant: they see positions only through distances. Each ligand atom k
 * gets one equivariant "force" per output c ∈ {tr, rot, tor} from its ligand and receptor
 * neighbours j,
 *   F^c_k = mean_j (x_k − x_j)/(|x_k − x_j| + 1) · ψ^c(h_k, h_j, RBF(|x_k − x_j|), e_kj),
 * and the forces are reduced by the chain rule of the pose's degrees of freedom, as if F_k were
 * the gradient of log p with respect to x_k:
 *   tr    = Σ_k F^tr_k                                       a vector,
 *   rot   = Σ_k (x_k − c) × F^rot_k                          a torque about the centre c (pseudovector),
 *   tor_b = Σ_{k moved by b} n_b · ((x_k − x_v) × F^tor_k)   a torque about the bond u → v (pseudoscalar),
 * with n_b = (x_v − x_u)/|x_v − x_u|. So the symmetries hold by construction: under x → Qx + s
 * (Q orthogonal) tr → Q tr, rot → det(Q) Q rot, tor → det(Q) tor. An invariant network could not
 * give the sign of a rotation or torsion score. Outputs are in normalised units (the caller
 * divides by its σ's), each times a learned scale.
 */
import { cat, full, ones, tensor, tidy, zeros, type Tensor } from '../engine/index.js';
import { Module, ModuleList } from '../nn/module.js';
import { Embedding, LayerNorm, Linear, MLP } from '../nn/layers.js';
import { NoiseEmbedding } from '../networks/noise-embedding.js';
import { checkGraph, type ComplexGraph } from './graph.js';
import { gaussianRbf } from './radial.js';

/** The network's sizes (src/config/docking.ts holds their defaults). */
export interface DockingScoreNetOptions {
  ligFeatures: number;                                   // FL, width of ComplexGraph.ligFeat
  bondFeatures: number;                                  // FB, width of ComplexGraph.ligEdges.attr
  hidden: number;                                        // width of node states and messages
  layers: number;                                        // rounds of message passing
  rbf: number;                                           // Gaussian radial features per distance
  cutoffs: { lig: number; rec: number; cross: number };  // RBF range of each edge kind (Å)
  residueTypes: number;                                  // 20 amino acids + UNK
  timeFeatures: number;                                  // sinusoidal features of t
  outputScale: number;                                   // initial learned scale of each output
}

/** The scores: tr [B, 3], rot [B, 3] (a rotation vector's score), tor [T], in normalised units. */
export interface DockingScores {
  tr: Tensor;
  rot: Tensor;
  tor: Tensor;
}

/** Edges of one kind, messages src → dst: invariant features feat [E, ·], dir = (x_dst − x_src)/(|x_dst − x_src| + 1) [E, 3]. */
interface Edges {
  dst: Tensor;
  src: Tensor;
  feat: Tensor;
  dir: Tensor;
}

/** Every edge kind of a batch (cross edges: dst = ligand atom, src = residue) and the mean normalisers 1/max(degree, 1) [n, 1]. */
interface BatchEdges {
  lig: Edges;
  rec: Edges;
  cross: Edges;
  invDeg: { ligLig: Tensor; ligCross: Tensor; recRec: Tensor; ligAll: Tensor };
}

/** Node states: ligand atoms [nL, H], residues [nR, H]. */
interface NodeStates {
  lig: Tensor;
  rec: Tensor;
}

/**
 * φ([h_dst, h_src, e]) = W₂ SiLU(A h_dst + B h_src + C e + b) + b₂, a 2-layer MLP on the
 * concatenation whose first layer is applied to the nodes before they are gathered onto the
 * edges (the same function, with far fewer flops).
 */
class EdgeMLP extends Module {
  readonly dstIn: Linear;
  readonly srcIn: Linear;
  readonly edgeIn: Linear;
  readonly out: Linear;
  constructor(nodeDim: number, edgeDim: number, hidden: number, outDim: number) {
    super();
    this.dstIn = this.module('dst_in', new Linear(nodeDim, hidden, { bias: false }));
    this.srcIn = this.module('src_in', new Linear(nodeDim, hidden, { bias: false }));
    this.edgeIn = this.module('edge_in', new Linear(edgeDim, hidden));
    this.out = this.module('out', new Linear(hidden, outDim));
  }
  /** hDst, hSrc: states of the node sets e.dst and e.src index → [E, outDim] */
  forward(hDst: Tensor, hSrc: Tensor, e: Edges): Tensor {
    const pre = this.dstIn.forward(hDst).indexSelect(0, e.dst)
      .add(this.srcIn.forward(hSrc).indexSelect(0, e.src))
      .add(this.edgeIn.forward(e.feat));
    return this.out.forward(pre.silu());
  }
}

/** Sums the rows of msg [E, C] at index [E] into invDeg.size(0) rows and scales them by invDeg [n, 1]. */
function aggregate(msg: Tensor, index: Tensor, invDeg: Tensor): Tensor {
  return zeros([invDeg.size(0), msg.size(1)], { dtype: msg.dtype, device: msg.device }).indexAdd(0, index, msg).mul(invDeg);
}

/**
 * One round of message passing: ligand–ligand, receptor–receptor and receptor → ligand messages
 * (one MLP per edge kind), averaged over each node's edges of that kind, then
 * h ← LayerNorm(h + φ_h([h, m̄…])) on each side. Residues hear only residues and do not see t,
 * so their states depend on the receptor alone and every complex of one receptor in a batch shares
 * them (src/docking/featurize.ts: complexBatch); ligand atoms hear both and carry t.
 */
class InteractionLayer extends Module {
  readonly ligLig: EdgeMLP;
  readonly recRec: EdgeMLP;
  readonly cross: EdgeMLP;
  readonly ligUpdate: MLP;
  readonly recUpdate: MLP;
  readonly ligNorm: LayerNorm;
  readonly recNorm: LayerNorm;
  constructor(hidden: number, ligEdgeDim: number, rbf: number) {
    super();
    this.ligLig = this.module('lig_lig', new EdgeMLP(hidden, ligEdgeDim, hidden, hidden));
    this.recRec = this.module('rec_rec', new EdgeMLP(hidden, rbf, hidden, hidden));
    this.cross = this.module('cross', new EdgeMLP(hidden, rbf, hidden, hidden));
    this.ligUpdate = this.module('lig_update', new MLP([3 * hidden, hidden, hidden]));
    this.recUpdate = this.module('rec_update', new MLP([2 * hidden, hidden, hidden]));
    this.ligNorm = this.module('lig_norm', new LayerNorm(hidden));
    this.recNorm = this.module('rec_norm', new LayerNorm(hidden));
  }
  forward(h: NodeStates, e: BatchEdges): NodeStates {
    const { invDeg } = e;
    const ligMsg = cat([
      h.lig,
      aggregate(this.ligLig.forward(h.lig, h.lig, e.lig), e.lig.dst, invDeg.ligLig),
      aggregate(this.cross.forward(h.lig, h.rec, e.cross), e.cross.dst, invDeg.ligCross),
    ], 1);
    const recMsg = cat([h.rec, aggregate(this.recRec.forward(h.rec, h.rec, e.rec), e.rec.dst, invDeg.recRec)], 1);
    return {
      lig: this.ligNorm.forward(h.lig.add(this.ligUpdate.forward(ligMsg))),
      rec: this.recNorm.forward(h.rec.add(this.recUpdate.forward(recMsg))),
    };
  }
}

/** a × b for the rows of a, b [n, 3]. */
function crossProduct(a: Tensor, b: Tensor): Tensor {
  const next = tensor([1, 2, 0], { dtype: 'int64', device: a.device });
  const prev = tensor([2, 0, 1], { dtype: 'int64', device: a.device });
  return a.indexSelect(1, next).mul(b.indexSelect(1, prev)).sub(a.indexSelect(1, prev).mul(b.indexSelect(1, next)));
}

/**
 * The chain-rule readout (see the file's comment) of per-atom forces [nL, 3], one per output:
 * the translation, rotation and torsion derivatives of Σ_k F_k · x_k over the pose's degrees of
 * freedom. Unscaled; tr, rot [B, 3], tor [T].
 */
export function poseReadout(g: ComplexGraph, f: DockingScores): DockingScores {
  return tidy(() => {
    const like = { dtype: g.ligX.dtype, device: g.ligX.device };
    const B = g.nComplexes;
    const tr = zeros([B, 3], like).indexAdd(0, g.ligBatch, f.tr);
    const arm = g.ligX.sub(g.center.indexSelect(0, g.ligBatch)); // x_k − c, (nL, 3)
    const rot = zeros([B, 3], like).indexAdd(0, g.ligBatch, crossProduct(arm, f.rot));
    const { torsion: bond, atom } = g.moving;
    const xu = g.ligX.indexSelect(0, g.torsion.u.indexSelect(0, bond)); // (M, 3)
    const xv = g.ligX.indexSelect(0, g.torsion.v.indexSelect(0, bond));
    const axis = xv.sub(xu);
    const n = axis.div(axis.norm(2, 1, true));
    const torque = crossProduct(g.ligX.indexSelect(0, atom).sub(xv), f.tor.indexSelect(0, atom)).mul(n).sum(1); // (M)
    const tor = zeros([g.torsion.u.numel], like).indexAdd(0, bond, torque);
    return { tr, rot, tor };
  });
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

/** The docking score network (see the file's comment). */
export class DockingScoreNet extends Module {
  readonly options: DockingScoreNetOptions;
  readonly time: NoiseEmbedding;
  readonly ligIn: Linear;
  readonly recIn: Embedding;
  readonly layers: ModuleList<InteractionLayer>;
  readonly ligHead: EdgeMLP;
  readonly crossHead: EdgeMLP;
  /** Learned scale of tr, rot, tor [3]. */
  readonly scale: Tensor;

  constructor(opts: DockingScoreNetOptions) {
    super();
    this.options = opts;
    const { hidden: H, rbf, bondFeatures, layers } = opts;
    if (layers < 1) throw new Error(`DockingScoreNet: layers must be at least 1, got ${layers}`);
    // t ∈ [0, 1] → sines and cosines at frequencies 1 … 16 → MLP, added to every node of its complex.
    this.time = this.module('time', new NoiseEmbedding(H, opts.timeFeatures, 'low'));
    this.ligIn = this.module('lig_in', new Linear(opts.ligFeatures, H));
    this.recIn = this.module('rec_in', new Embedding(opts.residueTypes, H));
    this.layers = this.module('layers', new ModuleList(
      Array.from({ length: layers }, () => new InteractionLayer(H, rbf + bondFeatures, rbf))));
    this.ligHead = this.module('lig_head', new EdgeMLP(H, rbf + bondFeatures, H, 3));
    this.crossHead = this.module('cross_head', new EdgeMLP(H, rbf, H, 3));
    this.scale = this.param('scale', full([3], opts.outputScale));
  }

  forward(g: ComplexGraph): DockingScores {
    checkGraph(g, this.options);
    return tidy(() => {
      const e = this.edges(g);
      const temb = this.time.forward(g.t); // (B, H)
      let h: NodeStates = {
        lig: this.ligIn.forward(g.ligFeat).add(temb.indexSelect(0, g.ligBatch)),
        rec: this.recIn.forward(g.recType),
      };
      for (const layer of this.layers.items) h = layer.forward(h, e);
      const s = poseReadout(g, this.forces(h, e));
      return { tr: s.tr.mul(this.scale.select(0, 0)), rot: s.rot.mul(this.scale.select(0, 1)), tor: s.tor.mul(this.scale.select(0, 2)) };
    });
  }

  /** F^c_k [nL, 3] for c = tr, rot, tor: ψ^c of each edge times its direction, averaged over k's edges. */
  private forces(h: NodeStates, e: BatchEdges): DockingScores {
    const perEdge = (w: Tensor, dir: Tensor): Tensor => w.unsqueeze(2).mul(dir.unsqueeze(1)).flatten(1); // (E, 3·3)
    const fromLig = aggregate(perEdge(this.ligHead.forward(h.lig, h.lig, e.lig), e.lig.dir), e.lig.dst, e.invDeg.ligAll);
    const fromRec = aggregate(perEdge(this.crossHead.forward(h.lig, h.rec, e.cross), e.cross.dir), e.cross.dst, e.invDeg.ligAll);
    const [tr, rot, tor] = fromLig.add(fromRec).view(-1, 3, 3).split(1, 1).map((f) => f.squeeze(1)); // (nL, 3) each
    return { tr: tr!, rot: rot!, tor: tor! };
  }

  /** Radial (and bond) features, directions and mean normalisers of every edge kind. */
  private edges(g: ComplexGraph): BatchEdges {
    const { rbf, cutoffs } = this.options;
    const nL = g.ligX.size(0), nR = g.recX.size(0);
    const { src: ls, dst: ld, attr } = g.ligEdges;
    const { src: rs, dst: rd } = g.recEdges;
    const { lig: xl, rec: xr } = g.crossEdges;
    const lig = displacement(g.ligX, g.ligX, ld, ls);
    const rec = displacement(g.recX, g.recX, rd, rs);
    const cross = displacement(g.ligX, g.recX, xl, xr);
    return {
      lig: { dst: ld, src: ls, dir: lig.dir, feat: cat([gaussianRbf(lig.dist, rbf, cutoffs.lig), attr], 1) },
      rec: { dst: rd, src: rs, dir: rec.dir, feat: gaussianRbf(rec.dist, rbf, cutoffs.rec) },
      cross: { dst: xl, src: xr, dir: cross.dir, feat: gaussianRbf(cross.dist, rbf, cutoffs.cross) },
      invDeg: {
        ligLig: inverseDegree(nL, [ld], g.ligX),
        ligCross: inverseDegree(nL, [xl], g.ligX),
        recRec: inverseDegree(nR, [rd], g.ligX),
        ligAll: inverseDegree(nL, [ld, xl], g.ligX),
      },
    };
  }
}
