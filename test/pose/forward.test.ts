// The forward process of pose diffusion (DiffDock, Corso et al., ICLR 2023) and its schedule:
// noisePose's targets are the perturbation kernel's exact scores at the pose it returns over
// scoreScales, each of unit mean square; scoreScales is what it says; σ(t) runs from σ_min to
// σ_max with g² = d(σ²)/dt; training times are uniform or Beta(2, 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PoseDiffusionConfig } from '../../src/config/docking.js';
import { noisePose, scoreScales } from '../../src/pose/forward.js';
import { Rng } from '../../src/pose/random.js';
import { geometricSigma, poseDiffusionCoefficients, poseSigmas, sampleTrainingTime, type PoseSigmas } from '../../src/pose/schedule.js';
import { igso3Density, igso3Score } from '../../src/pose/so3.js';
import { torusScore, wrappedNormalDensity } from '../../src/pose/torus.js';
import { ligand, ligandBonds as bonds, pointMassScore, poseOffset } from './point-mass.js';

const d = PoseDiffusionConfig.parse({});
const TIMES = [0, 0.25, 0.5, 0.75, 1];
const PARTS = ['tr', 'rot', 'tor'] as const;

function close(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: ${actual} vs ${expected}`);
}

/** ∫ f over [a, b] by Simpson's rule with n (even) intervals. */
function simpson(f: (x: number) => number, a: number, b: number, n = 2000): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

test('noisePose targets are the exact scores at the noised pose over scoreScales, at every σ', () => {
  const rng = new Rng(7);
  for (const t of TIMES) {
    const s = poseSigmas(d, t);
    const scale = scoreScales(s);
    for (let draw = 0; draw < 6; draw++) {
      const n = noisePose(ligand.coords, bonds, s, rng);
      // noisePose moves the ligand in the frame of all its atoms (applyPoseUpdate's default)
      const exact = pointMassScore(poseOffset(ligand, bonds, ligand.coords, n.coords), s);
      for (const part of PARTS) {
        const got = n.target[part];
        assert.equal(got.length, exact[part].length);
        for (let i = 0; i < got.length; i++) {
          const want = exact[part][i]! / scale[part];
          assert.ok(Math.abs(got[i]! - want) < 1e-9 * Math.max(1, Math.abs(want)), `t = ${t}, ${part}[${i}]: ${got[i]} vs ${want}`);
        }
      }
    }
  }
});

test('each normalised target has unit mean square per coordinate group (3 for the translation vector)', () => {
  const rng = new Rng(8);
  const draws = 3000;
  for (const t of [0.1, 0.6]) {
    const s = poseSigmas(d, t);
    const sum = { tr: 0, rot: 0, tor: 0 };
    for (let i = 0; i < draws; i++) {
      const { target } = noisePose(ligand.coords, bonds, s, rng);
      for (const part of PARTS) for (const v of target[part]) sum[part] += v * v;
    }
    // |target_tr|² = |z|² ~ χ²₃; |target_rot|² has mean 1 by scoreScales.rot; the torsion part sums two terms of mean 1 each.
    close(sum.tr / draws, 3, 0.08, `t = ${t}: mean |target.tr|²`);
    close(sum.rot / draws, 1, 0.08, `t = ${t}: mean |target.rot|²`);
    close(sum.tor / draws / bonds.length, 1, 0.08, `t = ${t}: mean target.tor²`);
  }
});

test('scoreScales: 1/σ_tr, the root mean square IGSO(3) score and the root mean square torus score', () => {
  for (const t of TIMES) {
    const s = poseSigmas(d, t);
    const scale = scoreScales(s);
    assert.equal(scale.tr, 1 / s.tr);
    const rotSquare = simpson((w) => igso3Score([w, 0, 0], s.rot)[0] ** 2 * igso3Density(w, s.rot), 1e-9, Math.min(Math.PI, 12 * s.rot));
    close(scale.rot ** 2, rotSquare, 1e-3, `t = ${t}: E|rot score|²`);
    const torSquare = simpson((x) => torusScore(x, s.tor) ** 2 * wrappedNormalDensity(x, s.tor), -Math.PI, Math.PI);
    close(scale.tor ** 2, torSquare, 1e-3, `t = ${t}: E[tor score²]`);
  }
  // small σ: the rotation vector is ~N(0, σ²I₃), so |score|² = |ω|²/σ⁴ has mean 3/σ²; a torsion's score² has mean 1/σ²
  const small: PoseSigmas = { tr: 0.1, rot: 0.003, tor: 0.003 };
  close(scoreScales(small).rot, Math.sqrt(3) / small.rot, 2e-3, 'small-σ IGSO(3) scale');
  close(scoreScales(small).tor, 1 / small.tor, 2e-3, 'small-σ torus scale');
});

test('a ligand without rotatable bonds gets an empty torsion target', () => {
  const n = noisePose(ligand.coords, [], poseSigmas(d, 0.5), new Rng(1));
  assert.equal(n.target.tor.length, 0);
  assert.equal(n.coords.length, ligand.coords.length);
});

test('poseSigmas runs geometrically from the config’s σ_min at t = 0 to its σ_max at t = 1', () => {
  const cfg = PoseDiffusionConfig.parse({ trSigmaMin: 0.2, trSigmaMax: 12, rotSigmaMin: 0.05, rotSigmaMax: 1.2, torSigmaMin: 0.04, torSigmaMax: 2 });
  assert.deepEqual(poseSigmas(cfg, 0), { tr: 0.2, rot: 0.05, tor: 0.04 });
  assert.deepEqual(poseSigmas(cfg, 1), { tr: 12, rot: 1.2, tor: 2 });
  close(poseSigmas(cfg, 0.5).tr, Math.sqrt(0.2 * 12), 1e-14, 'geometric midpoint');
  close(geometricSigma(0.2, 12, 0.25), 0.2 * 60 ** 0.25, 1e-14, 'σ(1/4)');
});

test('g² = d(σ²)/dt for each part (central differences)', () => {
  const h = 1e-6;
  for (const t of [0.05, 0.3, 0.5, 0.9]) {
    const g = poseDiffusionCoefficients(d, t);
    const [up, down] = [poseSigmas(d, t + h), poseSigmas(d, t - h)];
    for (const part of PARTS) close(g[part] ** 2, (up[part] ** 2 - down[part] ** 2) / (2 * h), 1e-6, `t = ${t}: g_${part}²`);
  }
});

test('training times: uniform has mean 1/2, Beta(2, 1) mean 2/3 and P(t < 1/2) = 1/4', () => {
  const draws = 20000;
  const times = (tDistribution: 'uniform' | 'beta21'): number[] => {
    const rng = new Rng(5);
    const cfg = PoseDiffusionConfig.parse({ tDistribution });
    return Array.from({ length: draws }, () => sampleTrainingTime(cfg, rng));
  };
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
  const uniform = times('uniform');
  const beta = times('beta21');
  for (const v of [...uniform, ...beta]) assert.ok(v >= 0 && v <= 1, `time ${v} outside [0, 1]`);
  // standard errors: √(1/12/N) = 0.002 and √(1/18/N) = 0.0017
  assert.ok(Math.abs(mean(uniform) - 1 / 2) < 0.01, `uniform mean ${mean(uniform)}`);
  assert.ok(Math.abs(mean(beta) - 2 / 3) < 0.01, `Beta(2, 1) mean ${mean(beta)}`);
  const below = beta.filter((v) => v < 0.5).length / draws;
  assert.ok(Math.abs(below - 0.25) < 0.015, `Beta(2, 1): P(t < 1/2) = ${below}`);
  assert.equal(PoseDiffusionConfig.parse({}).tDistribution, 'uniform');
});
