/**
 * Do DisCo-DiffDock's pointer latents carry the mode? (#22, and the seed page's docking figure.) For
 * each test ligand with two or more reference modes, n draws of the encoder's latents on each of its
 * two heaviest modes A and B (z_A, z_B: the "correct" z of each mode, drawn as the official code's
 * oracle draws them); pose i sampled under z_A,i and under z_B,i from the same noise; the share of
 * each set within 2 Å of A and of B. The latents carry the mode when
 * poses under z_A land on A more often than the same noise under z_B does, and B likewise:
 * steer = ½[(P(A | z_A) − P(A | z_B)) + (P(B | z_B) − P(B | z_A))], and, not tied to the 2 Å
 * threshold, the shift = ½[E(d_B − d_A | z_A) − E(d_B − d_A | z_B)] in Å (d: a pose's RMSD to a mode;
 * > 0 when each z moves the poses towards its own mode), each with a 95% bootstrap interval over ligands. The ligands that steer most are drawn as on the seed page: the same noise under
 * the correct z and under an incorrect one, over the pocket.
 *
 *   node --import tsx bench/docking-latents.ts [--run runs/bench-docking-disco/seed-0] [--ligands 12]
 *     [--n 16] [--figure 3] [--seed 0] [--tag T]
 * Writes bench/results/docking-latents[-TAG].json and .png.
 */
import { writeFileSync } from 'node:fs';
import { Generator } from '../src/engine/index.js';
import { join } from 'node:path';
import { symmetricRmsdMany } from '../src/chem/rmsd.js';
import type { DockingConfig } from '../src/config/docking.js';
import { loadComplexes, type Complex } from '../src/docking/complexes.js';
import { rankPoses, samplePoses } from '../src/docking/dock.js';
import { encoderCodes } from '../src/docking/latent-encoder.js';
import { posePanelsFigure, type PoseRow } from '../src/plot/docking-figures.js';
import { benchArgs } from './args.js';
import { machineRecord } from './record.js';
import { bootstrapMean, mean } from './stats.js';
import { loadDockingRun } from '../src/train/load-docking-run.js';

const a = benchArgs('node --import tsx bench/docking-latents.ts [flags]', {
  run: { kind: 'string', default: 'runs/bench-docking-disco/seed-0', help: 'a trained DisCo-DiffDock run' },
  ligands: { kind: 'number', default: '12', help: 'test ligands (those with two or more modes, the most even first)' },
  n: { kind: 'number', default: '16', help: 'poses per latent' },
  figure: { kind: 'number', default: '3', help: 'ligands drawn (those that steer most)' },
  seed: { kind: 'number', default: '0', help: 'sampling seed (the same noise under both latents)' },
  tag: { kind: 'string', default: '', help: 'suffix of the result files' },
});
const THRESHOLD = 2;

const L = loadDockingRun(a.run);
if (!L.encoder) throw new Error(`${a.run} has no latent encoder: train it with configs/dock-disco.yaml`);
const cfg: DockingConfig = { ...L.cfg, sample: { ...L.cfg.sample, n: a.n, ranker: 'none' } };
const ligands = loadComplexes(L.cfg).test.filter((c) => c.record.modes.length >= 2)
  .sort((x, y) => y.record.modes[1]!.weight - x.record.modes[1]!.weight).slice(0, a.ligands);
console.log(`${ligands.length} test ligands with two or more modes; ${a.n} poses under each of z_A and z_B (step ${L.step})`);

interface Result {
  id: string; receptor: string; weights: [number, number]; modeRmsd: number;
  /** The most frequent z of each mode's draws, and the share of poses whose two draws are equal. */
  zA: number[]; zB: number[]; sameZ: number;
  /** Shares of the poses under z_A and under z_B within 2 Å of mode A and of mode B. */
  underA: { nearA: number; nearB: number }; underB: { nearA: number; nearB: number };
  steer: number; shift: number; seconds: number;
}
const results: Result[] = [];
const generator = new Generator(a.seed + 17);
const drawn = new Map<string, { c: Complex; posesA: Float64Array[]; posesB: Float64Array[] }>();
for (const c of ligands) {
  const t0 = performance.now();
  const [A, B] = c.record.modes as [typeof c.record.modes[0], typeof c.record.modes[0]];
  const draws = (mode: Float64Array) => encoderCodes(L.encoder!, c.lig, c.rec, Array.from({ length: a.n }, () => mode), cfg, { generator });
  const zA = draws(A.coords), zB = draws(B.coords);
  const sample = (z: number[][]) => rankPoses(cfg, c.lig, c.receptor,
    samplePoses(L.net, cfg, c.lig, c.rec, { seed: a.seed, latents: z })).map((p) => p.coords);
  const posesA = sample(zA), posesB = sample(zB);
  const near = (poses: Float64Array[]) => {
    const d = symmetricRmsdMany(c.record.mol, poses, [A.coords, B.coords]);
    return { nearA: mean(d.map((r) => (r[0]! < THRESHOLD ? 1 : 0))), nearB: mean(d.map((r) => (r[1]! < THRESHOLD ? 1 : 0))),
      towardsA: mean(d.map((r) => r[1]! - r[0]!)) };
  };
  const underA = near(posesA), underB = near(posesB);
  const r: Result = {
    id: c.record.id, receptor: c.record.receptor, weights: [A.weight, B.weight],
    modeRmsd: symmetricRmsdMany(c.record.mol, [A.coords], [B.coords])[0]![0]!,
    zA: mostFrequent(zA), zB: mostFrequent(zB), sameZ: mean(zA.map((z, i) => (z.join() === zB[i]!.join() ? 1 : 0))),
    underA: { nearA: underA.nearA, nearB: underA.nearB }, underB: { nearA: underB.nearA, nearB: underB.nearB },
    steer: ((underA.nearA - underB.nearA) + (underB.nearB - underA.nearB)) / 2, shift: (underA.towardsA - underB.towardsA) / 2,
    seconds: (performance.now() - t0) / 1000,
  };
  results.push(r);
  drawn.set(`${r.receptor}/${r.id}`, { c, posesA, posesB });
  console.log(`${`${r.receptor}/${r.id}`.padEnd(24)} w ${r.weights.map((w) => w.toFixed(2)).join('/')}  A–B ${r.modeRmsd.toFixed(1)} Å  ` +
    `z_A ${r.zA.join(',')} z_B ${r.zB.join(',')} (equal ${pct(r.sameZ)})  under z_A: A ${pct(underA.nearA)} B ${pct(underA.nearB)}  ` +
    `under z_B: A ${pct(underB.nearA)} B ${pct(underB.nearB)}  steer ${r.steer.toFixed(2)}  shift ${r.shift.toFixed(2)} Å  (${r.seconds.toFixed(0)} s)`);
}
/** The z drawn most often. */
function mostFrequent(z: number[][]): number[] {
  const counts = new Map<string, number>();
  for (const v of z) counts.set(v.join(), (counts.get(v.join()) ?? 0) + 1);
  const best = [...counts].sort((x, y) => y[1] - x[1])[0]![0];
  return best.split(',').map(Number);
}

function pct(v: number): string {
  return `${(100 * v).toFixed(0)}%`.padStart(4);
}

const steer = bootstrapMean(results.map((r) => r.steer)), shift = bootstrapMean(results.map((r) => r.shift));
const summary = {
  ligands: results.length, sameZ: mean(results.map((r) => r.sameZ)), steer, shift,
  nearA: { underA: mean(results.map((r) => r.underA.nearA)), underB: mean(results.map((r) => r.underB.nearA)) },
  nearB: { underA: mean(results.map((r) => r.underA.nearB)), underB: mean(results.map((r) => r.underB.nearB)) },
};
console.log(`\nsteer ${steer.mean.toFixed(3)} [${steer.lo.toFixed(3)}, ${steer.hi.toFixed(3)}], shift ${shift.mean.toFixed(2)} Å ` +
  `[${shift.lo.toFixed(2)}, ${shift.hi.toFixed(2)}] over ${steer.n} ligands; ` +
  `z_A = z_B for ${pct(summary.sameZ).trim()} of poses; near A: ${pct(summary.nearA.underA)} under z_A vs ${pct(summary.nearA.underB)} under z_B; ` +
  `near B: ${pct(summary.nearB.underB)} under z_B vs ${pct(summary.nearB.underA)} under z_A`);

const base = join(import.meta.dirname, 'results', `docking-latents${a.tag ? `-${a.tag}` : ''}`);
const top = [...results].sort((x, y) => y.shift - x.shift).slice(0, a.figure);
const BLUE = '#1f77b4', ORANGE = '#ff7f0e', DARK_BLUE = '#0b3c66', DARK_ORANGE = '#8a3b00';
const rows: PoseRow[] = top.map((r) => {
  const { c, posesA, posesB } = drawn.get(`${r.receptor}/${r.id}`)!;
  const [A, B] = c.record.modes;
  const references = [{ coords: A!.coords, color: DARK_BLUE, label: `mode A (w ${r.weights[0].toFixed(2)})` },
    { coords: B!.coords, color: DARK_ORANGE, label: `mode B (w ${r.weights[1].toFixed(2)})` }];
  return {
    bonds: c.record.mol.bonds, pocket: pocketPoints(c, [A!.coords, B!.coords], 10),
    panels: [
      { title: `${r.id}: z from mode A (${pct(r.underA.nearA).trim()} on A)`, poses: posesA.map((coords) => ({ coords, color: BLUE })), references },
      { title: `same noise, z from mode B (${pct(r.underB.nearB).trim()} on B)`, poses: posesB.map((coords) => ({ coords, color: ORANGE })), references },
    ],
  };
});
if (rows.length) posePanelsFigure(`${base}.png`, rows, { title: `DisCo-DiffDock, step ${L.step}: the same noise under the latents of two modes` });
writeFileSync(`${base}.json`, JSON.stringify({ bench: 'docking-latents', args: a, step: L.step, threshold: THRESHOLD,
  machine: machineRecord(), summary, results }, null, 1));
console.log(`wrote ${base}.json${rows.length ? ` and ${base}.png` : ''}`);
L.net.dispose();
L.encoder.dispose();
generator.dispose();

/** Cα coordinates (flat) of the residues within `reach` Å of any atom of the given poses. */
function pocketPoints(c: Complex, poses: Float64Array[], reach: number): Float64Array {
  const ca = c.rec.ca, out: number[] = [];
  for (let i = 0; i < ca.length / 3; i++) {
    const close = poses.some((p) => {
      for (let j = 0; j < p.length; j += 3) {
        if (Math.hypot(p[j]! - ca[3 * i]!, p[j + 1]! - ca[3 * i + 1]!, p[j + 2]! - ca[3 * i + 2]!) < reach) return true;
      }
      return false;
    });
    if (close) out.push(ca[3 * i]!, ca[3 * i + 1]!, ca[3 * i + 2]!);
  }
  return Float64Array.from(out);
}
