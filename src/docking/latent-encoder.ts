/**
 * The latent encoder of DisCo-DiffDock (Xu et al. 2024): a graph network of the score network's
 * kind (message-passing.ts) that sees the complex with the ligand at its true pose and no time
 * input, and gives per-node logits of each of m pointer latents, whose classes are the complex's
 * ligand atoms and residues. Unlike the score network's, its residues also hear the ligand (cross
 * edges both ways), so the residue a latent points to can depend on the pose. Node states are
 * E(3)-invariant, and so are the logits.
 */
import { noGrad, tidy, type Device, type Generator, type Tensor } from '../engine/index.js';
import { pointerGumbel } from '../disco/pointer.js';
import { Module, ModuleList } from '../nn/module.js';
import { Embedding, Linear, MLP } from '../nn/layers.js';
import { checkGraph, type ComplexGraph } from './graph.js';
import { graphEdges, InteractionLayer, type NodeStates, type RadialOptions } from './message-passing.js';
import type { DockingConfig } from '../config/docking.js';
import { complexBatch, disposeGraph, type LigandGraph, type ReceptorGraph } from './featurize.js';
import { nodeLayout, stackNodes } from './pointers.js';

/** The encoder's sizes (src/config/docking.ts holds their defaults). */
export interface LatentEncoderOptions extends RadialOptions {
  ligFeatures: number;   // FL, width of ComplexGraph.ligFeat
  bondFeatures: number;  // FB, width of ComplexGraph.ligEdges.attr
  residueTypes: number;  // 20 amino acids + UNK
  hidden: number;        // width of node states and messages
  layers: number;        // rounds of message passing
  latents: number;       // m pointer latents
  /** Length s (Å) of the residues' contact bias −d²/(2s²) (d: Cα to the nearest ligand atom); null: none. */
  contactReach?: number | null;
}

/** Per-node logits of the m latents: ligand atoms [nL, m], residues [nR, m]. */
export type NodeLogits = NodeStates;

/** The latent encoder (see above). */
export class DockingLatentEncoder extends Module {
  readonly ligIn: Linear;
  readonly recIn: Embedding;
  readonly layers: ModuleList<InteractionLayer>;
  /** One head per node set, as the official code's latent_s/latent_r predictors. */
  readonly ligHead: MLP;
  readonly recHead: MLP;

  constructor(readonly options: LatentEncoderOptions) {
    super();
    const { hidden: H, rbf, bondFeatures, layers, latents: m } = options;
    if (layers < 1) throw new Error(`DockingLatentEncoder: layers must be at least 1, got ${layers}`);
    if (!(Number.isInteger(m) && m >= 1)) throw new Error(`DockingLatentEncoder: latents must be a whole number ≥ 1, got ${m}`);
    this.ligIn = this.module('lig_in', new Linear(options.ligFeatures, H));
    this.recIn = this.module('rec_in', new Embedding(options.residueTypes, H));
    this.layers = this.module('layers', new ModuleList(
      Array.from({ length: layers }, () => new InteractionLayer(H, rbf + bondFeatures, rbf, { residuesHearLigand: true }))));
    this.ligHead = this.module('lig_head', new MLP([H, H, m]));
    this.recHead = this.module('rec_head', new MLP([H, H, m]));
  }

  /** The logits of `g`'s nodes; `g`'s ligands are at their true poses (g.t is not read). */
  forward(g: ComplexGraph): NodeLogits {
    checkGraph(g, this.options);
    return tidy(() => {
      const e = graphEdges(g, this.options, { crossToRec: true });
      let h: NodeStates = { lig: this.ligIn.forward(g.ligFeat), rec: this.recIn.forward(g.recType) };
      for (const layer of this.layers.items) h = tidy(() => layer.forward(h, e)); // its messages freed layer by layer
      const rec = this.recHead.forward(h.rec);
      const reach = this.options.contactReach;
      return { lig: this.ligHead.forward(h.lig), rec: reach ? rec.add(contactBias(g, reach)) : rec };
    });
  }
}

/**
 * Each residue's contact bias [nR, 1]: −d²/(2s²), d the distance (Å) of its Cα to the nearest ligand
 * atom of its own complex, s = `reach`. E(3)-invariant, like the logits it is added to.
 */
export function contactBias(g: ComplexGraph, reach: number): Tensor {
  return noGrad(() => tidy(() => {
    const d2 = g.recX.unsqueeze(1).sub(g.ligX.unsqueeze(0)).square().sum(2); // (nR, nL)
    const other = g.recBatch.unsqueeze(1).ne(g.ligBatch.unsqueeze(0));
    return d2.maskedFill(other, Infinity).min(1, true).div(-2 * reach * reach);
  }));
}

/**
 * The encoder's pointers of `lig` in `rec` at each of `poses`: codes [n][m], classes as in
 * pointers.ts. With a generator, each z is a sample of the encoder's distribution (Gumbel-max; the
 * official code's oracle: a Gumbel-Softmax at τ = 0.01); without, its most likely pointers.
 */
export function encoderCodes(encoder: DockingLatentEncoder, lig: LigandGraph, rec: ReceptorGraph, poses: readonly Float64Array[],
  cfg: DockingConfig, o: { generator?: Generator; device?: Device } = {}): number[][] {
  const m = encoder.options.latents, out: number[][] = [];
  for (let start = 0; start < poses.length; start += cfg.sample.batch) {
    const chunk = poses.slice(start, start + cfg.sample.batch);
    const g = complexBatch(chunk.map((coords) => ({ lig, rec, coords, t: 0, trSigma: 0 })), cfg.model, o.device ?? 'cpu', { shareReceptors: false });
    try {
      const layout = nodeLayout(g);
      const codes = noGrad(() => layout.codes(tidy(() => {
        const logits = stackNodes(encoder.forward(g));
        return o.generator ? pointerGumbel(logits, layout, { tau: 1, hard: true, noise: 1, generator: o.generator }) : logits;
      })));
      for (let b = 0; b < chunk.length; b++) out.push(Array.from(codes.subarray(b * m, (b + 1) * m)));
    } finally {
      disposeGraph(g);
    }
  }
  return out;
}
