// Local refinement of poses (src/docking/refine.ts): the Vina energy's slopes and gradients against
// finite differences, the increment gradient against finite differences of the pose update, and
// refinement of a perturbed crystal pose (amprenavir in 1HPV) back towards the crystal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heavyAtoms, type Molecule } from '../../src/chem/molecule.js';
import { readReceptorFile } from '../../src/chem/receptor.js';
import { readLigand } from '../../src/chem/read-ligand.js';
import { rotatableBonds } from '../../src/chem/torsions.js';
import { rmsdInPlace } from '../../src/chem/rmsd.js';
import { applyRotation, centroid, rotvecToMatrix, translate } from '../../src/pose/rigid.js';
import {
  interEnergyAndGradient, intraEnergyAndGradient, prepareReceptorForScoring, vinaSurfaceEnergy, vinaSurfaceSlope,
} from '../../src/docking/vina-score.js';
import { applyIncrement, incrementGradient, poseEnergy, refineLigand, refinePose } from '../../src/docking/refine.js';

const receptor = readReceptorFile('data/docking/examples/1hpv-protein.pdb');
const sr = prepareReceptorForScoring(receptor);
const crystal: Molecule = readLigand('data/docking/examples/amprenavir.sdf', 0);
const bonds = rotatableBonds(crystal);
const lig = refineLigand(crystal, bonds, heavyAtoms(crystal));

/** A deterministic small perturbation pattern. */
const wiggle = (n: number, amp: number) => Float64Array.from({ length: n }, (_, i) => amp * Math.sin(1.7 * i + 0.3));

test('vinaSurfaceSlope is the derivative of vinaSurfaceEnergy in every regime', () => {
  const h = 1e-6;
  for (const d of [-1.3, -0.9, -0.5, -0.2, 0.1, 0.7, 1.2, 2.5, 4]) {
    for (const [hyd, hb] of [[false, false], [true, false], [false, true]] as const) {
      const fd = (vinaSurfaceEnergy(d + h, hyd, hb) - vinaSurfaceEnergy(d - h, hyd, hb)) / (2 * h);
      assert.ok(Math.abs(fd - vinaSurfaceSlope(d, hyd, hb)) < 1e-6, `d ${d} hyd ${hyd} hb ${hb}: ${fd} vs ${vinaSurfaceSlope(d, hyd, hb)}`);
    }
  }
});

test('inter and intra energy gradients match finite differences on a pose near the crystal', () => {
  const x = Float64Array.from(crystal.coords, (v, i) => v + wiggle(crystal.coords.length, 0.15)[i]!);
  const g = new Float64Array(x.length), scratch = new Float64Array(x.length);
  interEnergyAndGradient(sr, lig.codes, x, g);
  intraEnergyAndGradient(lig.codes, lig.pairs, x, g);
  const energy = (y: Float64Array) => interEnergyAndGradient(sr, lig.codes, y, scratch) + intraEnergyAndGradient(lig.codes, lig.pairs, y, scratch.fill(0));
  const h = 1e-6;
  let worst = 0;
  for (const k of heavyAtoms(crystal).slice(0, 12)) {
    for (let d = 0; d < 3; d++) {
      const p = Float64Array.from(x), m = Float64Array.from(x);
      p[3 * k + d]! += h;
      m[3 * k + d]! -= h;
      worst = Math.max(worst, Math.abs((energy(p) - energy(m)) / (2 * h) - g[3 * k + d]!));
    }
  }
  assert.ok(worst < 1e-5, `largest |FD − analytic| ${worst}`);
  assert.ok(lig.pairs.length > 0 && bonds.length >= 4, 'amprenavir has intramolecular pairs and rotatable bonds');
});

test('incrementGradient is ∂E/∂s of applyIncrement at s = 0 (translation, rotation, every torsion)', () => {
  const x = Float64Array.from(crystal.coords, (v, i) => v + wiggle(crystal.coords.length, 0.1)[i]!);
  const g = new Float64Array(x.length);
  poseEnergy(sr, lig, x, g);
  const grad = incrementGradient(lig, x, g);
  const h = 1e-6;
  for (let i = 0; i < grad.length; i++) {
    const s = new Float64Array(grad.length);
    s[i] = h;
    const ep = poseEnergy(sr, lig, applyIncrement(lig, x, s), new Float64Array(x.length));
    s[i] = -h;
    const em = poseEnergy(sr, lig, applyIncrement(lig, x, s), new Float64Array(x.length));
    const fd = (ep - em) / (2 * h);
    assert.ok(Math.abs(fd - grad[i]!) < 1e-4 * Math.max(1, Math.abs(fd)), `coordinate ${i}: FD ${fd} vs ${grad[i]}`);
  }
});

test('refinement lowers the energy and brings a perturbed crystal pose back towards the crystal', () => {
  const heavy = heavyAtoms(crystal);
  const c = centroid(crystal.coords, heavy);
  const moved = translate(applyRotation(rotvecToMatrix([0.12, -0.08, 0.1]), crystal.coords, c), [0.9, -0.6, 0.5]);
  const start = rmsdInPlace(moved, crystal.coords, heavy);
  const r = refinePose(sr, lig, moved, { iterations: 100 });
  const end = rmsdInPlace(r.coords, crystal.coords, heavy);
  assert.ok(r.after < r.before - 1, `energy ${r.before} → ${r.after}`);
  assert.ok(end < 0.6 * start && end < 1, `RMSD to the crystal ${start.toFixed(2)} → ${end.toFixed(2)} Å`);
  // Bond lengths are kept: refinement moves only rigid parts and torsions.
  for (const { a, b } of crystal.bonds) {
    const len = (x: Float64Array) => Math.hypot(x[3 * a]! - x[3 * b]!, x[3 * a + 1]! - x[3 * b + 1]!, x[3 * a + 2]! - x[3 * b + 2]!);
    assert.ok(Math.abs(len(r.coords) - len(crystal.coords)) < 1e-9);
  }
});
