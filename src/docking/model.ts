/**
 * The docking model: the score network built from a docking config, and its use as the sampler's
 * score function (network outputs times the score scales of src/pose/forward.ts).
 */
import { tidy, type Device } from '../engine/index.js';
import { RESIDUE_TYPES } from '../chem/receptor.js';
import type { DockingConfig } from '../config/docking.js';
import { scoreScales } from '../pose/forward.js';
import type { PoseScoreFn } from '../pose/sampler.js';
import { complexBatch, disposeGraph, LIGAND_FEATURES, PAIR_FEATURES, type LigandGraph, type ReceptorGraph } from './featurize.js';
import { DockingScoreNet } from './score-net.js';

/** A new score network with the config's sizes. */
export function createScoreNet(cfg: DockingConfig): DockingScoreNet {
  const m = cfg.model;
  return new DockingScoreNet({
    ligFeatures: LIGAND_FEATURES, bondFeatures: PAIR_FEATURES, residueTypes: RESIDUE_TYPES.length,
    hidden: m.hidden, layers: m.layers, rbf: m.rbf, timeFeatures: m.timeFeatures, outputScale: m.outputScale,
    // The cross basis spans the farthest cross edge: the dynamic cutoff at σ_tr,max.
    cutoffs: { lig: m.ligCutoff, rec: m.recCutoff, cross: m.crossCutoff + 3 * cfg.diffusion.trSigmaMax },
  });
}

/** The score function of poses of one ligand in one receptor, evaluated `batch` poses per network call. */
export function poseScoreFn(net: DockingScoreNet, lig: LigandGraph, rec: ReceptorGraph, cfg: DockingConfig,
  device: Device = 'cpu'): PoseScoreFn {
  return (poses, t, sigmas) => {
    const scale = scoreScales(sigmas);
    const out: ReturnType<PoseScoreFn> = [];
    for (let start = 0; start < poses.length; start += cfg.sample.batch) {
      const chunk = poses.slice(start, start + cfg.sample.batch);
      const g = complexBatch(chunk.map((coords) => ({ lig, rec, coords, t, trSigma: sigmas.tr })), cfg.model, device);
      try {
        const { tr, rot, tor } = tidy(() => {
          const p = net.forward(g);
          return { tr: p.tr.toFlatArray(), rot: p.rot.toFlatArray(), tor: p.tor.toFlatArray() };
        });
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
}
