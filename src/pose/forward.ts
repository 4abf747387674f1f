/**
 * The forward (noising) process of pose diffusion and its score targets (DiffDock, Corso et al.
 * 2023): a translation Δ ~ N(0, σ_tr² I), a rotation from IGSO(3)(σ_rot) about the ligand centre and
 * torsion changes from the wrapped normal WN(0, σ_tor²), applied to a true pose. The network
 * predicts each score divided by its scale (scoreScales): the translation score times σ_tr, the
 * rotation score over its expected norm, the torsion score over the root of its expected square —
 * DiffDock's loss weights, so each part of the loss is O(1) at every σ.
 */
import type { Vec3 } from '../chem/molecule.js';
import type { RotatableBond } from '../chem/torsions.js';
import { igso3Score, igso3ScoreNorm, sampleIgso3 } from './so3.js';
import { sampleWrappedNormal, torusScore, torusScoreSquaredMean } from './torus.js';
import { applyPoseUpdate } from './update.js';
import type { PoseSigmas } from './schedule.js';
import type { Rng } from './random.js';

/** A noised pose and the normalised score targets at it. */
export interface NoisedPose {
  coords: Float64Array;
  target: { tr: Vec3; rot: Vec3; tor: Float64Array };
}

/** What each part's score is divided by to give the network's target (and multiplied by to undo it). */
export function scoreScales(s: PoseSigmas): PoseSigmas {
  return { tr: 1 / s.tr, rot: igso3ScoreNorm(s.rot), tor: Math.sqrt(torusScoreSquaredMean(s.tor)) };
}

/**
 * Noises the pose `x0` at noise levels `s`; the targets are the perturbation kernel's scores over
 * scoreScales. `atoms` are the frame atoms of the pose update (default all; the network's heavy atoms).
 */
export function noisePose(x0: Float64Array, bonds: RotatableBond[], s: PoseSigmas, rng: Rng, atoms?: ArrayLike<number>): NoisedPose {
  const tr: Vec3 = [s.tr * rng.normal(), s.tr * rng.normal(), s.tr * rng.normal()];
  const rot = sampleIgso3(s.rot, rng);
  const tor = Float64Array.from(bonds, () => sampleWrappedNormal(s.tor, rng));
  const scale = scoreScales(s);
  const rotScore = igso3Score(rot, s.rot);
  return {
    coords: applyPoseUpdate(x0, bonds, { tr, rot, tor }, atoms),
    target: {
      tr: [-tr[0] / (s.tr * s.tr) / scale.tr, -tr[1] / (s.tr * s.tr) / scale.tr, -tr[2] / (s.tr * s.tr) / scale.tr],
      rot: [rotScore[0] / scale.rot, rotScore[1] / scale.rot, rotScore[2] / scale.rot],
      tor: tor.map((d) => torusScore(d, s.tor) / scale.tor),
    },
  };
}
