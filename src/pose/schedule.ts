/**
 * The noise schedule of pose diffusion (DiffDock, Corso et al. 2023): one time t ∈ [0, 1] for the
 * three parts, each with σ(t) = σ_min^(1−t) · σ_max^t, and the reverse-SDE diffusion coefficient
 * g(t) = σ(t) · √(2 ln(σ_max / σ_min)) of that variance-exploding schedule.
 */
import type { PoseDiffusionConfig } from '../config/docking.js';
import type { Rng } from './random.js';

/** The σ of translation (Å), rotation and torsions (rad) at one time. */
export interface PoseSigmas {
  tr: number;
  rot: number;
  tor: number;
}

/** σ(t) = σ_min^(1−t) · σ_max^t. */
export function geometricSigma(min: number, max: number, t: number): number {
  return min ** (1 - t) * max ** t;
}

/** The three σ's at time t. */
export function poseSigmas(d: PoseDiffusionConfig, t: number): PoseSigmas {
  return {
    tr: geometricSigma(d.trSigmaMin, d.trSigmaMax, t),
    rot: geometricSigma(d.rotSigmaMin, d.rotSigmaMax, t),
    tor: geometricSigma(d.torSigmaMin, d.torSigmaMax, t),
  };
}

/** g(t) of each part: d(σ²)/dt = g², so g = σ(t) · √(2 ln(σ_max/σ_min)). */
export function poseDiffusionCoefficients(d: PoseDiffusionConfig, t: number): PoseSigmas {
  const s = poseSigmas(d, t);
  return {
    tr: s.tr * Math.sqrt(2 * Math.log(d.trSigmaMax / d.trSigmaMin)),
    rot: s.rot * Math.sqrt(2 * Math.log(d.rotSigmaMax / d.rotSigmaMin)),
    tor: s.tor * Math.sqrt(2 * Math.log(d.torSigmaMax / d.torSigmaMin)),
  };
}

/** A training time: uniform on [0, 1], or Beta(2, 1) (density 2t, weighting the noisy end). */
export function sampleTrainingTime(d: PoseDiffusionConfig, rng: Rng): number {
  const u = rng.uniform();
  return d.tDistribution === 'beta21' ? Math.sqrt(u) : u;
}
