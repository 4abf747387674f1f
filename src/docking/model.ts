/**
 * The docking model: its networks built from a docking config (the score network; with pointer
 * latents also their encoder and prior), and the score network as the sampler's score function
 * (network outputs times the score scales of src/pose/forward.ts).
 */
import { keep, noGrad, tidy, type Device, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import { RESIDUE_TYPES } from '../chem/receptor.js';
import type { DockingConfig, DockingPriorConfig } from '../config/docking.js';
import { scoreScales } from '../pose/forward.js';
import type { PoseScoreFn } from '../pose/sampler.js';
import { complexBatch, disposeGraph, LIGAND_FEATURES, PAIR_FEATURES, type LigandGraph, type ReceptorGraph } from './featurize.js';
import { DockingScoreNet } from './score-net.js';
import { DockingLatentEncoder } from './latent-encoder.js';
import { DockingLatentPrior } from './latent-prior.js';
import { latentsOfCodes, nodeLayout } from './pointers.js';
import { sharedResidueStates } from './residue-states.js';
import type { RadialOptions } from './message-passing.js';

/** The graph input widths of every docking network. */
const WIDTHS = { ligFeatures: LIGAND_FEATURES, bondFeatures: PAIR_FEATURES, residueTypes: RESIDUE_TYPES.length };

/** The radial bases of a config; the cross basis spans the farthest cross edge, the dynamic cutoff at σ_tr,max. */
function radial(cfg: DockingConfig): RadialOptions {
  const m = cfg.model;
  return { rbf: m.rbf, cutoffs: { lig: m.ligCutoff, rec: m.recCutoff, cross: m.crossCutoff + 3 * cfg.diffusion.trSigmaMax } };
}

/** A new score network with the config's sizes, conditioned on latents.m pointers when latents are enabled. */
export function createScoreNet(cfg: DockingConfig): DockingScoreNet {
  const m = cfg.model;
  return new DockingScoreNet({
    ...WIDTHS, ...radial(cfg), hidden: m.hidden, layers: m.layers, timeFeatures: m.timeFeatures, outputScale: m.outputScale,
    latents: cfg.latents.enabled ? cfg.latents.m : 0, pointerPull: cfg.latents.enabled && cfg.latents.pull,
  });
}

/** A new latent encoder: the score network's width, latents.encoderLayers rounds, latents.m pointers. */
export function createLatentEncoder(cfg: DockingConfig): DockingLatentEncoder {
  return new DockingLatentEncoder({ ...WIDTHS, ...radial(cfg), hidden: cfg.model.hidden, layers: cfg.latents.encoderLayers, latents: cfg.latents.m,
    contactReach: cfg.latents.contactReach });
}

/** A new pointer prior over the score network's node states, sized by `p` (default: the config's latents.prior). */
export function createLatentPrior(cfg: DockingConfig, p: DockingPriorConfig = cfg.latents.prior): DockingLatentPrior {
  return new DockingLatentPrior({
    nodeDim: cfg.model.hidden, hidden: p.hidden, layers: p.layers, latents: cfg.latents.m, rbf: cfg.model.rbf, cutoff: cfg.model.crossCutoff,
  });
}

/** DisCo-DiffDock's jointly trained networks in one module: the score network (`score.*`) and the latent encoder (`encoder.*`). */
export class DiscoDockingModel extends Module {
  readonly score: DockingScoreNet;
  readonly encoder: DockingLatentEncoder;
  constructor(cfg: DockingConfig) {
    super();
    this.score = this.module('score', createScoreNet(cfg));
    this.encoder = this.module('encoder', createLatentEncoder(cfg));
  }
}

/**
 * The networks a docking run trains, as one module for the optimizer, EMA and checkpoints: the
 * score network alone (the DM: its keys at the top level, as part 1's checkpoints hold them) or a
 * DiscoDockingModel when latents are enabled.
 */
export interface DockingNetworks {
  module: Module;
  score: DockingScoreNet;
  encoder: DockingLatentEncoder | null;
}

/** The networks of a docking config (see DockingNetworks). */
export function createDockingNetworks(cfg: DockingConfig): DockingNetworks {
  if (!cfg.latents.enabled) {
    const score = createScoreNet(cfg);
    return { module: score, score, encoder: null };
  }
  const model = new DiscoDockingModel(cfg);
  return { module: model, score: model.score, encoder: model.encoder };
}

/** A pose score function that holds tensors (the residue states it reuses across steps): dispose it when sampling ends. */
export interface PoseScorer {
  score: PoseScoreFn;
  dispose(): void;
}

/**
 * The score function of poses of one ligand in one receptor, evaluated `batch` poses per network
 * call. With `latents` (a network with pointer latents), pose i is conditioned on codes latents[i]
 * (m classes of the complex's nodes: src/docking/pointers.ts). The residue states of each batch
 * depend on the receptor and the codes alone, so they are computed at the first call (once per
 * distinct z) and reused.
 */
export function poseScorer(net: DockingScoreNet, lig: LigandGraph, rec: ReceptorGraph, cfg: DockingConfig,
  device: Device = 'cpu', latents?: readonly (readonly number[])[]): PoseScorer {
  const m = net.latent?.m ?? 0;
  if (latents && !m) throw new Error('poseScorer: latent codes were given for a score network without latents');
  if (latents?.some((z) => z.length !== m)) throw new Error(`poseScorer: every pose needs ${m} latent codes`);
  const residues = new Map<number, Tensor[]>(); // batch start → its residue states
  const score: PoseScoreFn = (poses, t, sigmas) => {
    if (latents && latents.length !== poses.length) throw new Error(`poseScorer: ${latents.length} latent codes for ${poses.length} poses`);
    const scale = scoreScales(sigmas);
    const out: ReturnType<PoseScoreFn> = [];
    for (let start = 0; start < poses.length; start += cfg.sample.batch) {
      const chunk = poses.slice(start, start + cfg.sample.batch);
      // The residue edges only for a first call that computes the states from this graph.
      const g = complexBatch(chunk.map((coords) => ({ lig, rec, coords, t, trSigma: sigmas.tr })), cfg.model, device,
        { shareReceptors: !latents, residueEdges: !latents && !residues.has(start) });
      try {
        // Under no-grad: otherwise every step would record autograd's graph, and the cached states would keep theirs.
        const { tr, rot, tor } = noGrad(() => tidy(() => {
          const z = latents ? latentsOfCodes(nodeLayout(g), latents.slice(start, start + chunk.length).flat(), m, g.ligX.size(0), g.ligX.dtype) : null;
          let states = residues.get(start);
          if (states && states[0]!.size(0) !== g.recX.size(0)) throw new Error('poseScorer: the batches changed between calls');
          if (!states) {
            const fresh = latents ? sharedResidueStates(net, latents.slice(start, start + chunk.length).map((codes) => ({ lig, rec, codes })),
              cfg.model, device) : net.residueStates(g, z);
            residues.set(start, states = fresh.map((s) => keep(s)));
          }
          const p = net.forward(g, z, states);
          return { tr: p.tr.toFlatArray(), rot: p.rot.toFlatArray(), tor: p.tor.toFlatArray() };
        }));
        const nt = lig.torsions.length;
        chunk.forEach((_, i) => out.push({
          tr: [tr[3 * i]! * scale.tr, tr[3 * i + 1]! * scale.tr, tr[3 * i + 2]! * scale.tr],
          rot: [rot[3 * i]! * scale.rot, rot[3 * i + 1]! * scale.rot, rot[3 * i + 2]! * scale.rot],
          tor: Float64Array.from(tor.slice(i * nt, (i + 1) * nt), (v) => v * scale.tor),
        }));
      } finally {
        disposeGraph(g);
      }
    }
    return out;
  };
  return {
    score,
    dispose: () => {
      for (const states of residues.values()) for (const s of states) s.dispose();
      residues.clear();
    },
  };
}
