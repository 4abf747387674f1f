// The reverse pose sampler driven by exact scores: from DiffDock's prior (Corso et al., ICLR 2023)
// it recovers a point mass at a known pose — to the spread of the perturbation kernel at σ_min,
// which is where the reverse process ends — with the SDE and the probability-flow ODE, and it
// splits a two-pose mixture in the mixture's proportions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heavyAtoms, type Vec3 } from '../../src/chem/molecule.js';
import { rmsdInPlace } from '../../src/chem/rmsd.js';
import { PoseDiffusionConfig } from '../../src/config/docking.js';
import { Rng } from '../../src/pose/random.js';
import { applyRotation, centroid, rotvecToMatrix, translate } from '../../src/pose/rigid.js';
import { reversePoseDiffusion, type PoseScoreFn } from '../../src/pose/sampler.js';
import { poseSigmas } from '../../src/pose/schedule.js';
import { igso3NumeratorClosedForm, sampleIgso3 } from '../../src/pose/so3.js';
import { sampleWrappedNormal } from '../../src/pose/torus.js';
import { applyPoseUpdate, randomizePose } from '../../src/pose/update.js';
import { ligand, ligandBonds as bonds, pointMassScore, poseOffset } from './point-mass.js';

const x0 = ligand.coords;
const heavy = heavyAtoms(ligand);
const defaults = PoseDiffusionConfig.parse({});
/** The defaults with every σ_min ten times smaller. */
const sharp = PoseDiffusionConfig.parse({
  trSigmaMin: defaults.trSigmaMin / 10, rotSigmaMin: defaults.rotSigmaMin / 10, torSigmaMin: defaults.torSigmaMin / 10,
});
const POSES = 32;
const STEPS = 100;

/** The exact score of the noised point mass at x0, in the heavy-atom frame the sampler uses. */
const pointMass: PoseScoreFn = (poses, _t, s) => poses.map((x) => pointMassScore(poseOffset(ligand, bonds, x0, x, heavy), s));

/** Prior draws about x0's centroid with σ_tr,max, as docking starts them. */
function priorPoses(d: PoseDiffusionConfig, rng: Rng, center: Vec3 = centroid(x0, heavy)): Float64Array[] {
  return Array.from({ length: POSES }, () => randomizePose(x0, bonds, { center, trSigma: d.trSigmaMax }, rng, heavy));
}

/** Mean squared RMSD to x0 of 2000 draws from the perturbation kernel at t = 0 (σ_min), by Monte Carlo. */
function kernelMeanSquare(d: PoseDiffusionConfig): number {
  const draws = 2000;
  const s = poseSigmas(d, 0);
  const rng = new Rng(99);
  let sum = 0;
  for (let i = 0; i < draws; i++) {
    const tr: Vec3 = [s.tr * rng.normal(), s.tr * rng.normal(), s.tr * rng.normal()];
    const y = applyPoseUpdate(x0, bonds, { tr, rot: sampleIgso3(s.rot, rng), tor: bonds.map(() => sampleWrappedNormal(s.tor, rng)) }, heavy);
    sum += rmsdInPlace(y, x0) ** 2;
  }
  return sum / draws;
}

const meanSquare = (r: number[]): number => r.reduce((s, v) => s + v * v, 0) / r.length;
const kernelSpread = new Map([defaults, sharp].map((d) => [d, kernelMeanSquare(d)]));

test('the test ligand has two rotatable bonds, and the exact score vanishes at x0', () => {
  assert.equal(bonds.length, 2);
  const s = pointMass([x0], 0.5, poseSigmas(defaults, 0.5))[0]!;
  for (const v of [...s.tr, ...s.rot, ...s.tor]) assert.ok(Math.abs(v) < 1e-6, `score ${v} at x0`);
});

// Where the reverse process ends: at t = 0 it reaches the point mass blurred by the kernel at σ_min
// (0.1 Å per centroid coordinate, 0.03 rad of rotation and torsion), whose RMS RMSD on this ligand
// is 0.20 Å; with 32 poses the largest is about 1.7 times that, so every pose must be within
// 0.45 Å, and with every σ_min ten times smaller within 0.045 Å. The SDE draws from that kernel, so
// its mean squared RMSD matches the kernel's (measured 0.86–1.04 of it over seeds); the Euler ODE
// contracts a little more per step than the exact flow (0.56–0.97).
for (const sampler of ['sde', 'ode'] as const) {
  test(`the ${sampler.toUpperCase()} sampler with the exact score takes prior poses > 5 Å away to the point mass`, () => {
    for (const [d, bound] of [[defaults, 0.45], [sharp, 0.045]] as const) {
      const rng = new Rng(2);
      const prior = priorPoses(d, rng);
      const start = prior.map((x) => rmsdInPlace(x, x0));
      assert.ok(Math.min(...start) > 5, `the closest prior pose is ${Math.min(...start).toFixed(2)} Å away`);
      const out = reversePoseDiffusion(prior, bonds, d, { steps: STEPS, sampler, score: pointMass, rng, atoms: heavy });
      const end = out.map((x) => rmsdInPlace(x, x0));
      assert.ok(Math.max(...end) < bound, `largest final RMSD ${Math.max(...end).toFixed(4)} Å ≥ ${bound} Å`);
      const ratio = meanSquare(end) / kernelSpread.get(d)!;
      const [lo, hi] = sampler === 'sde' ? [0.7, 1.3] : [0.4, 1.3];
      assert.ok(ratio > lo && ratio < hi, `mean squared RMSD is ${ratio.toFixed(3)} of the kernel's at σ_min`);
    }
  });
}

test('the SDE with the exact mixture score splits its poses between two poses in the mixture weights', () => {
  // Pose B is x0 turned 90° about z and moved 6 Å; weights 0.3 (x0) and 0.7 (B). Both share x0's
  // torsions, so their wrapped-normal factors are equal and cancel from the component weights.
  const c0 = centroid(x0, heavy);
  const refs = [x0, translate(applyRotation(rotvecToMatrix([0, 0, Math.PI / 2]), x0, c0), [6, 0, 0])];
  const weights = [0.3, 0.7];
  /** log of the kernel density of offset o, but for the torsion factor and constants: −|tr|²/(2σ²) + log f(ω; σ_rot). */
  const logKernel = (o: { tr: Vec3; rot: Vec3 }, s: { tr: number; rot: number }): number => {
    const omega = Math.hypot(...o.rot);
    const F = igso3NumeratorClosedForm(omega, s.rot);  // f = F / sin(ω/2); exact to e^{−4π²/σ²} for σ ≤ 1.55
    return -(o.tr[0] ** 2 + o.tr[1] ** 2 + o.tr[2] ** 2) / (2 * s.tr ** 2) + F.logScale + Math.log(F.value / Math.sin(omega / 2));
  };
  const mixture: PoseScoreFn = (poses, _t, s) => poses.map((x) => {
    const offsets = refs.map((r) => poseOffset(ligand, bonds, r, x, heavy));
    const logw = offsets.map((o, k) => Math.log(weights[k]!) + logKernel(o, s));
    const top = Math.max(...logw);
    const w = logw.map((l) => Math.exp(l - top));
    const total = w[0]! + w[1]!;
    const parts = offsets.map((o) => pointMassScore(o, s));
    const mix = (f: (p: (typeof parts)[number]) => Vec3): Vec3 =>
      [0, 1, 2].map((i) => (w[0]! * f(parts[0]!)[i]! + w[1]! * f(parts[1]!)[i]!) / total) as Vec3;
    return { tr: mix((p) => p.tr), rot: mix((p) => p.rot), tor: parts[0]!.tor };
  });
  const rng = new Rng(3);
  const center: Vec3 = [c0[0] + 6 * weights[1]!, c0[1], c0[2]];  // the mixture's mean centroid
  const prior = [...priorPoses(defaults, rng, center), ...priorPoses(defaults, rng, center)];
  const out = reversePoseDiffusion(prior, bonds, defaults, { steps: STEPS, sampler: 'sde', score: mixture, rng, atoms: heavy });
  const nearest = out.map((x) => refs.map((r) => rmsdInPlace(x, r)));
  for (const [a, b] of nearest) assert.ok(Math.min(a!, b!) < 0.45, `a pose ends ${Math.min(a!, b!).toFixed(3)} Å from both poses`);
  // Binomial(64, 0.3): mean 19.2, sd 3.7; ±3 sd.
  const atX0 = nearest.filter(([a, b]) => a! < b!).length;
  assert.ok(atX0 >= 8 && atX0 <= 30, `${atX0} of 64 poses at x0, expected about 19`);
});
