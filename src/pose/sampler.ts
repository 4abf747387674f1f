/**
 * Reverse-time sampling of ligand poses (DiffDock, Corso et al. 2023): from t = 1 to 0 in `steps`
 * equal steps, each part moves by its score times g²·Δt plus, for the SDE, noise g·√Δt·z
 * (Euler–Maruyama); the probability-flow ODE takes half the drift and no noise. The last step adds
 * no noise. Translations and rotation vectors live in R³; torsion changes on the torus.
 */
import type { PoseDiffusionConfig } from '../config/docking.js';
import type { Vec3 } from '../chem/molecule.js';
import type { RotatableBond } from '../chem/torsions.js';
import { applyPoseUpdate } from './update.js';
import { poseDiffusionCoefficients, poseSigmas, type PoseSigmas } from './schedule.js';
import type { Rng } from './random.js';

/** The scores of one pose: ∇ log p for translation (Å⁻¹), rotation (a rotation vector) and each torsion. */
export interface PoseScores {
  tr: Vec3;
  rot: Vec3;
  tor: Float64Array;
}

/** Scores of a batch of poses at time t with noise levels σ (the model's forward pass). */
export type PoseScoreFn = (poses: Float64Array[], t: number, sigmas: PoseSigmas) => PoseScores[];

/** Options of reversePoseDiffusion. */
export interface ReverseOptions {
  steps: number;
  sampler: 'sde' | 'ode';
  score: PoseScoreFn;
  rng: Rng;
  /** The atoms whose centroid is the rotation centre and which the torsion step aligns (default all; the network's heavy atoms). */
  atoms?: ArrayLike<number>;
  /** Called after each step with the step number (1-based). */
  onStep?: (step: number) => void;
}

/** Runs the reverse process from the prior draws `poses` (all of one ligand, atoms in its order); returns the final poses. */
export function reversePoseDiffusion(poses: Float64Array[], bonds: RotatableBond[], d: PoseDiffusionConfig,
  o: ReverseOptions): Float64Array[] {
  const dt = 1 / o.steps;
  let x = poses;
  for (let i = 0; i < o.steps; i++) {
    const t = 1 - i * dt;
    const g = poseDiffusionCoefficients(d, t);
    const scores = o.score(x, t, poseSigmas(d, t));
    const noisy = o.sampler === 'sde' && i < o.steps - 1;
    x = x.map((pose, p) => {
      const s = scores[p]!;
      return applyPoseUpdate(pose, bonds, {
        tr: step3(s.tr, g.tr, dt, noisy, o),
        rot: step3(s.rot, g.rot, dt, noisy, o),
        tor: Float64Array.from(s.tor, (v) => stepOne(v, g.tor, dt, noisy, o)),
      }, o.atoms);
    });
    o.onStep?.(i + 1);
  }
  return x;
}

/** One coordinate's move: g²Δt·score + g√Δt·z (SDE), or ½g²Δt·score (ODE, and no noise). */
function stepOne(score: number, g: number, dt: number, noisy: boolean, o: ReverseOptions): number {
  const drift = (o.sampler === 'sde' ? 1 : 0.5) * g * g * dt * score;
  return noisy ? drift + g * Math.sqrt(dt) * o.rng.normal() : drift;
}

function step3(score: Vec3, g: number, dt: number, noisy: boolean, o: ReverseOptions): Vec3 {
  return [stepOne(score[0], g, dt, noisy, o), stepOne(score[1], g, dt, noisy, o), stepOne(score[2], g, dt, noisy, o)];
}
