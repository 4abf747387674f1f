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
 * divides by its σ's), each times a learned scale. The building blocks are in message-passing.ts.
 *
 * With pointer latents (DisCo-DiffDock, Xu et al. 2024; `latents` m > 0) the network is also
 * conditioned on the nodes they pick (latent-conditioning.ts). Which node a latent picks does not
 * change under x → Qx + s, so the symmetries above hold for a fixed z.
 */
import { full, tensor, tidy, zeros, type Tensor } from '../engine/index.js';
import { Module, ModuleList } from '../nn/module.js';
import { Embedding, Linear } from '../nn/layers.js';
import { NoiseEmbedding } from '../networks/noise-embedding.js';
import { checkGraph, type ComplexGraph } from './graph.js';
import { aggregate, EdgeMLP, graphEdges, InteractionLayer, type BatchEdges, type NodeStates } from './message-passing.js';
import { edgeLatents, LatentNodeInput, PointerPull, sideLatents, type NodeLatents } from './latent-conditioning.js';

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
  latents?: number;                                      // pointer latents m (0 or absent: the DM, part 1)
  pointerPull?: boolean;                                 // with latents: PointerPull's direct term in tr
}

/** The scores: tr [B, 3], rot [B, 3] (a rotation vector's score), tor [T], in normalised units. */
export interface DockingScores {
  tr: Tensor;
  rot: Tensor;
  tor: Tensor;
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
  /** The pointer latents' node input (src/docking/latent-conditioning.ts); null without latents. */
  readonly latent: LatentNodeInput | null = null;
  /** The pointers' direct term in the translation score (latent-conditioning.ts); null unless options.pointerPull. */
  readonly pull: PointerPull | null = null;

  constructor(opts: DockingScoreNetOptions) {
    super();
    this.options = opts;
    const { hidden: H, rbf, bondFeatures, layers } = opts;
    const m = opts.latents ?? 0;
    if (layers < 1) throw new Error(`DockingScoreNet: layers must be at least 1, got ${layers}`);
    if (!Number.isInteger(m) || m < 0) throw new Error(`DockingScoreNet: latents must be a whole number ≥ 0, got ${m}`);
    // t ∈ [0, 1] → sines and cosines at frequencies 1 … 16 → MLP, added to every node of its complex.
    this.time = this.module('time', new NoiseEmbedding(H, opts.timeFeatures, 'low'));
    this.ligIn = this.module('lig_in', new Linear(opts.ligFeatures, H));
    this.recIn = this.module('rec_in', new Embedding(opts.residueTypes, H));
    this.layers = this.module('layers', new ModuleList(
      Array.from({ length: layers }, () => new InteractionLayer(H, rbf + bondFeatures, rbf, { latents: m }))));
    this.ligHead = this.module('lig_head', new EdgeMLP(H, rbf + bondFeatures, H, 3, m));
    this.crossHead = this.module('cross_head', new EdgeMLP(H, rbf, H, 3));
    this.scale = this.param('scale', full([3], opts.outputScale));
    if (m > 0) this.latent = this.module('latent', new LatentNodeInput(m, H));
    if (m > 0 && opts.pointerPull) this.pull = this.module('pull', new PointerPull(m, H, rbf, opts.cutoffs.cross));
  }

  /**
   * The scores of the poses in `g`; with latents, conditioned on `z` (null: every complex
   * unconditional, as under latent dropout). `residues`, from residueStates on a graph with the
   * same receptor part and the same z, skips the residues' message passing.
   */
  forward(g: ComplexGraph, z: NodeLatents | null = null, residues?: readonly Tensor[]): DockingScores {
    checkGraph(g, this.options);
    return tidy(() => {
      const { h, e, pull } = this.trunk(g, z, residues);
      const readout = poseReadout(g, this.forces(h, e));
      const s = pull ? { ...readout, tr: readout.tr.add(pull) } : readout;
      return { tr: s.tr.mul(this.scale.select(0, 0)), rot: s.rot.mul(this.scale.select(0, 1)), tor: s.tor.mul(this.scale.select(0, 2)) };
    });
  }

  /**
   * The invariant node states after the last interaction layer (the latent prior's view of a
   * complex); `residues` as in forward.
   */
  embed(g: ComplexGraph, z: NodeLatents | null = null, residues?: readonly Tensor[]): NodeStates {
    checkGraph(g, this.options);
    return tidy(() => this.trunk(g, z, residues).h);
  }

  /**
   * The residue states before each interaction layer and after the last (layers + 1 tensors
   * [nR, H]). Residues hear only residues and see neither t nor the ligand, so these depend on
   * the receptor and z alone: a sampler computes them once and passes them to forward at every
   * step. The caller owns them.
   */
  residueStates(g: ComplexGraph, z: NodeLatents | null = null): Tensor[] {
    checkGraph(g, this.options);
    return tidy(() => {
      const { h, e } = this.inputs(g, z, true);
      const states = [h.rec];
      for (const layer of this.layers.items) states.push(tidy(() => layer.residueUpdate(states.at(-1)!, e)));
      return states;
    });
  }

  /**
   * Edge features, the initial node states (features, t, latents) and the pointers' pull; the
   * residue → residue edges only when `residues` (the residues' message passing is to run).
   */
  private inputs(g: ComplexGraph, z: NodeLatents | null, residues: boolean): { h: NodeStates; e: BatchEdges; pull: Tensor | null } {
    if (z && !this.latent) throw new Error('DockingScoreNet: latents were given to a network built without them (latents 0)');
    const e = graphEdges(g, this.options, { residueEdges: residues });
    const temb = this.time.forward(g.t); // (B, H)
    const h: NodeStates = {
      lig: this.ligIn.forward(g.ligFeat).add(temb.indexSelect(0, g.ligBatch)),
      rec: this.recIn.forward(g.recType),
    };
    if (!this.latent) return { h, e, pull: null };
    const s = sideLatents(g, z, this.latent.m);
    e.lig.latent = edgeLatents(s.lig, e.lig.src, e.lig.dst);
    if (e.rec) e.rec.latent = edgeLatents(s.rec, e.rec.src, e.rec.dst);
    const add = this.latent.forward(s);
    return { h: { lig: h.lig.add(add.lig), rec: h.rec.add(add.rec) }, e, pull: this.pull ? this.pull.forward(g, s, temb) : null };
  }

  /** The message passing from the initial node states, residues from `residues` where given. */
  private trunk(g: ComplexGraph, z: NodeLatents | null, residues?: readonly Tensor[]): { h: NodeStates; e: BatchEdges; pull: Tensor | null } {
    const L = this.layers.items.length;
    if (residues && (residues.length !== L + 1 || residues[0]!.size(0) !== g.recX.size(0))) {
      throw new Error(`DockingScoreNet: cached residue states must be ${L + 1} tensors of the graph's ${g.recX.size(0)} residues`);
    }
    const { h: h0, e, pull } = this.inputs(g, z, !residues);
    let h = residues ? { lig: h0.lig, rec: residues[0]! } : h0;
    // One scope per layer: its messages are freed before the next layer's (autograd keeps what it needs).
    this.layers.items.forEach((layer, l) => {
      h = tidy(() => ({ lig: layer.ligandUpdate(h, e), rec: residues ? residues[l + 1]! : layer.residueUpdate(h.rec, e) }));
    });
    return { h, e, pull };
  }

  /** F^c_k [nL, 3] for c = tr, rot, tor: ψ^c of each edge times its direction, averaged over k's edges. */
  private forces(h: NodeStates, e: BatchEdges): DockingScores {
    const perEdge = (w: Tensor, dir: Tensor): Tensor => w.unsqueeze(2).mul(dir.unsqueeze(1)).flatten(1); // (E, 3·3)
    const fromLig = aggregate(perEdge(this.ligHead.forward(h.lig, h.lig, e.lig), e.lig.dir), e.lig.dst, e.invDeg.ligAll);
    const fromRec = aggregate(perEdge(this.crossHead.forward(h.lig, h.rec, e.cross), e.cross.dir), e.cross.dst, e.invDeg.ligAll);
    const [tr, rot, tor] = fromLig.add(fromRec).view(-1, 3, 3).split(1, 1).map((f) => f.squeeze(1)); // (nL, 3) each
    return { tr: tr!, rot: rot!, tor: tor! };
  }
}
