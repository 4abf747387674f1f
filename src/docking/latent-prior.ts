/**
 * The prior of DisCo-DiffDock's pointer latents (Xu et al. 2024): autoregressive over the m
 * pointers, p(z | complex) = Π_i p(z_i | z_<i, complex), each factor a softmax over the complex's
 * nodes (pointers.ts). As in the official code, the prior sees the complex through the trained
 * score network's node states at t = 1, the ligand placed at the pocket centre with a random
 * rotation and random torsions, the latents dropped (unconditional). Node n's logit for latent i is
 *   ℓ_i(n) = MLP([u_n, onehot(i), slot_0 … slot_{m−2}]),  slot_j = [u_{z_j}, RBF(|x_n − x_{z_j}|), 1[n = z_j]] for j < i, else 0,
 *   u_n = MLP([h_n, mean of the complex's ligand-atom states]),
 * so residue logits depend on the ligand, and later pointers on where earlier ones point.
 */
import { cat, F, full, noGrad, stack, tensor, tidy, zeros, type Device, type Generator, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import { MLP } from '../nn/layers.js';
import type { DockingConfig } from '../config/docking.js';
import { pointerGumbel, pointerLogSoftmax, pointerSoftmax, type PointerLayout } from '../disco/pointer.js';
import type { Rng } from '../pose/random.js';
import { randomizePose } from '../pose/update.js';
import type { Vec3 } from '../chem/molecule.js';
import { complexBatch, disposeGraph, type LigandGraph, type ReceptorGraph } from './featurize.js';
import type { ComplexGraph } from './graph.js';
import { gaussianRbf } from './radial.js';
import { nodeLayout, stackNodes } from './pointers.js';
import type { DockingScoreNet } from './score-net.js';
import { sharedResidueStates } from './residue-states.js';

/** The prior's sizes (src/config/docking.ts: latents.prior). */
export interface LatentPriorOptions {
  nodeDim: number;  // H, width of the score network's node states
  hidden: number;   // width of the prior's MLPs
  layers: number;   // hidden layers of the per-step MLP
  latents: number;  // m pointers
  rbf: number;      // radial features of a node's distance to an earlier pointer
  cutoff: number;   // their range (Å)
}

/** What the prior sees of a batch of complexes: node states h [N, H], positions x [N, 3] and their layout. */
export interface PriorContext {
  layout: PointerLayout;
  h: Tensor;
  x: Tensor;
  /** The mean ligand-atom state of each node's complex [N, H]. */
  ligandMean: Tensor;
}

/** The autoregressive pointer prior (see above). */
export class DockingLatentPrior extends Module {
  readonly node: MLP;
  readonly step: MLP;

  constructor(readonly options: LatentPriorOptions) {
    super();
    const { nodeDim: H, hidden: P, layers, latents: m, rbf } = options;
    if (!(Number.isInteger(m) && m >= 1)) throw new Error(`DockingLatentPrior: latents must be a whole number ≥ 1, got ${m}`);
    if (layers < 1) throw new Error(`DockingLatentPrior: layers must be at least 1, got ${layers}`);
    this.node = this.module('node', new MLP([2 * H, P, P]));
    const width = P + m + (m - 1) * (P + rbf + 1);
    this.step = this.module('step', new MLP([width, ...Array<number>(layers).fill(P), 1]));
  }

  /** Logits [N] of latent i given the codes of latents 0 … i−1 (`codes` [B·m] row-major; later entries are not read). */
  logitsAt(ctx: PriorContext, codes: ArrayLike<number>, i: number): Tensor {
    const { latents: m, hidden: P, rbf, cutoff } = this.options;
    const { layout } = ctx;
    if (!(Number.isInteger(i) && i >= 0 && i < m)) throw new Error(`DockingLatentPrior: latent ${i} is not in 0..${m - 1}`);
    return tidy(() => {
      const N = layout.size;
      const like = { dtype: ctx.h.dtype, device: ctx.h.device };
      const u = this.node.forward(cat([ctx.h, ctx.ligandMean], 1)); // (N, P)
      const parts = [u, F.oneHot(full([N], i, { dtype: 'int64', device: like.device }), m).to(like)];
      for (let j = 0; j < m - 1; j++) {
        if (j >= i) { parts.push(zeros([N, P + rbf + 1], like)); continue; }
        // The node latent j points to, for every node of its complex.
        const target = Array.from(layout.segment, (b) => {
          const c = codes[b * m + j]!;
          if (!(Number.isInteger(c) && c >= 0 && c < layout.counts[b]!)) throw new Error(`DockingLatentPrior: code ${c} of complex ${b}, latent ${j} is not a node 0..${layout.counts[b]! - 1}`);
          return layout.items[b]![c]!;
        });
        const t = tensor(target, { dtype: 'int64', shape: [N], device: like.device });
        const d = ctx.x.sub(ctx.x.indexSelect(0, t)).norm(2, 1); // (N)
        const same = tensor(target.map((n, k) => (n === k ? 1 : 0)), { shape: [N, 1], ...like });
        parts.push(u.indexSelect(0, t), gaussianRbf(d, rbf, cutoff), same);
      }
      return this.step.forward(cat(parts, 1)).squeeze(1);
    });
  }

  /** Teacher-forced logits [N, m] of every latent given the codes [B·m] of the earlier ones. */
  logits(ctx: PriorContext, codes: ArrayLike<number>): Tensor {
    return tidy(() => stack(Array.from({ length: this.options.latents }, (_, i) => this.logitsAt(ctx, codes, i)), 1));
  }

  /** p(z_i = n | z_<i) [N]: latent i's probabilities over each complex's nodes. */
  probabilities(ctx: PriorContext, codes: ArrayLike<number>, i: number): Tensor {
    return tidy(() => pointerSoftmax(this.logitsAt(ctx, codes, i).unsqueeze(1), ctx.layout).squeeze(1));
  }

  /**
   * Cross-entropy against soft targets: the encoder's probabilities [N, m], with the earlier
   * latents at `codes` [B·m] (drawn from those probabilities); the mean over complexes and latents.
   */
  loss(ctx: PriorContext, target: Tensor, codes: ArrayLike<number>): Tensor {
    return tidy(() => {
      const logq = pointerLogSoftmax(this.logits(ctx, codes), ctx.layout); // (N, m)
      return target.mul(logq).sum().neg().div(ctx.layout.segments * this.options.latents);
    });
  }

  /**
   * Codes [B·m], one draw per complex of `ctx`, latent by latent from softmax(s · ℓ_i) (s the
   * logit scale: the paper's exp(−1.5) flattens the prior).
   */
  sample(ctx: PriorContext, o: { logitScale: number; generator?: Generator }): Int32Array {
    const s = o.logitScale;
    if (!(s > 0 && Number.isFinite(s))) throw new Error(`latent prior: the logit scale must be a positive number, got ${s}`);
    const { latents: m } = this.options;
    const codes = new Int32Array(ctx.layout.segments * m);
    for (let i = 0; i < m; i++) {
      const drawn = tidy(() => {
        const l = this.logitsAt(ctx, codes, i).mul(s).unsqueeze(1); // (N, 1)
        // The argmax of the perturbed logits is a draw; τ does not move it.
        return ctx.layout.codes(pointerGumbel(l, ctx.layout, { tau: 1, hard: false, noise: 1, generator: o.generator }));
      });
      drawn.forEach((c, b) => { codes[b * m + i] = c; });
    }
    return codes;
  }
}

/** A complex to give the prior: a ligand, its receptor and the pocket centre where the ligand is placed. */
export interface PriorItem {
  lig: LigandGraph;
  rec: ReceptorGraph;
  center: Vec3;
}

/**
 * The prior's view of complexes: each ligand placed at its centre with a random rotation and
 * random torsions (`rng`), at t = 1, seen by `net` without latents (under no-grad), one receptor
 * copy per complex. Free it with disposeContext.
 */
export function priorContext(net: DockingScoreNet, items: PriorItem[], cfg: DockingConfig, rng: Rng, device: Device = 'cpu'): PriorContext {
  const g = priorGraph(items, cfg, rng, device);
  const residues = noGrad(() => sharedResidueStates(net, items.map(({ lig, rec }) => ({ lig, rec, codes: null })), cfg.model, device));
  try {
    return contextOf(net, g, residues);
  } finally {
    for (const r of residues) r.dispose();
    disposeGraph(g);
  }
}

/** The graph of priorContext: the ligands at their centres, t = 1, the cross edges of σ_tr(1), no residue edges (the states come cached). */
function priorGraph(items: PriorItem[], cfg: DockingConfig, rng: Rng, device: Device): ComplexGraph {
  const posed = items.map(({ lig, rec, center }) => ({
    lig, rec, t: 1, trSigma: cfg.diffusion.trSigmaMax,
    coords: randomizePose(lig.mol.coords, lig.bonds, { center, trSigma: 0 }, rng, lig.heavy),
  }));
  return complexBatch(posed, cfg.model, device, { shareReceptors: false, residueEdges: false });
}

/** The context of a prepared graph (its ligands where they are); `residues` as in DockingScoreNet.embed. */
export function contextOf(net: DockingScoreNet, g: ComplexGraph, residues?: readonly Tensor[]): PriorContext {
  const layout = nodeLayout(g);
  return noGrad(() => tidy(() => {
    const h = net.embed(g, null, residues);
    const B = g.nComplexes;
    const like = { dtype: h.lig.dtype, device: h.lig.device };
    const counts = zeros([B], like).indexAdd(0, g.ligBatch, zeros([g.ligX.size(0)], like).add(1));
    const mean = zeros([B, h.lig.size(1)], like).indexAdd(0, g.ligBatch, h.lig).div(counts.unsqueeze(1)); // (B, H)
    const segment = cat([g.ligBatch, g.recBatch], 0);
    return { layout, h: stackNodes(h), x: cat([g.ligX, g.recX], 0), ligandMean: mean.indexSelect(0, segment) };
  }));
}

/** Frees a context's tensors. */
export function disposeContext(ctx: PriorContext): void {
  for (const t of [ctx.h, ctx.x, ctx.ligandMean]) t.dispose();
}

/**
 * `n` independent latent codes for one complex, as docking with the prior draws them: each from
 * its own random placement of the ligand at `center`. Codes [n][m], classes as in pointers.ts.
 */
export function samplePriorCodes(prior: DockingLatentPrior, net: DockingScoreNet, item: PriorItem, cfg: DockingConfig,
  o: { n: number; logitScale: number; rng: Rng; generator?: Generator; device?: Device }): number[][] {
  const m = prior.options.latents;
  const out: number[][] = [];
  for (let start = 0; start < o.n; start += cfg.sample.batch) {
    const count = Math.min(cfg.sample.batch, o.n - start);
    const ctx = priorContext(net, Array.from({ length: count }, () => item), cfg, o.rng, o.device);
    try {
      const codes = prior.sample(ctx, o);
      for (let b = 0; b < count; b++) out.push(Array.from(codes.subarray(b * m, (b + 1) * m)));
    } finally {
      disposeContext(ctx);
    }
  }
  return out;
}
