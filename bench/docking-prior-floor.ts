/**
 * How far is DisCo-DiffDock's pointer prior from the best a prior can do? (#22.) The prior sees a
 * complex but not which of its reference modes a pose will take, so its cross-entropy to the encoder
 * cannot go below the entropy of the encoder's pointers mixed over the modes by their weights w_j:
 *   floor = H(Z₁, Z₂) / 2,  p(z₁, z₂) = Σ_j w_j q_j(z₁) q_j(z₂)   (q_j: the encoder on mode j; m = 2),
 * which exceeds the encoder's own entropy Σ_j w_j H(q_j) / 2 by what the pointers say about the mode.
 * The prior's cross-entropy is taken exactly over z₁ (the z₁ that hold 99.9% of the mass, at most 64)
 * and averaged over random placements of the ligand, as Stage II sees the complex. Per split, the
 * mean per complex of the three (nats per latent) and the prior's gap to the floor.
 *
 *   node --import tsx bench/docking-prior-floor.ts [--run runs/dock-disco/seed-0] [--train 100] [--test 0] [--draws 4] [--tag T]
 * Writes bench/results/docking-prior-floor[-TAG].json.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { noGrad, tidy } from '../src/engine/index.js';
import { loadComplexes, type Complex } from '../src/docking/complexes.js';
import { complexBatch, disposeGraph } from '../src/docking/featurize.js';
import { disposeContext, priorContext, type DockingLatentPrior } from '../src/docking/latent-prior.js';
import { nodeLayout, stackNodes } from '../src/docking/pointers.js';
import { pointerSoftmax } from '../src/disco/pointer.js';
import { countsEntropy } from '../src/metrics/code-usage.js';
import { Rng } from '../src/pose/random.js';
import { loadDockingPrior, loadDockingRun, type DockingRun } from '../src/train/load-docking-run.js';
import { benchArgs } from './args.js';
import { machineRecord } from './record.js';
import { bootstrapMean } from './stats.js';

const a = benchArgs('node --import tsx bench/docking-prior-floor.ts [flags]', {
  run: { kind: 'string', default: 'runs/dock-disco/seed-0', help: 'a DisCo-DiffDock run with its prior' },
  train: { kind: 'number', default: '100', help: 'training complexes measured (the first N)' },
  test: { kind: 'number', default: '0', help: 'test complexes measured (the first N; 0 = all)' },
  draws: { kind: 'number', default: '4', help: 'random placements of the ligand per complex for the prior' },
  seed: { kind: 'number', default: '0', help: 'seed of the placements' },
  tag: { kind: 'string', default: '', help: 'suffix of the result file' },
});

/** One complex: the encoder's entropy, the mode-mixture floor and the prior's cross-entropy (nats per latent). */
interface Row { id: string; modes: number; encoder: number; floor: number; prior: number }

/** The encoder's pointer probabilities on each reference mode of `c`: q[j][i] over the complex's nodes, in class order. */
function encoderOnModes(L: DockingRun, c: Complex): number[][][] {
  const g = complexBatch(c.record.modes.map((mode) => ({ lig: c.lig, rec: c.rec, coords: mode.coords, t: 0, trSigma: 0 })), L.cfg.model,
    'cpu', { shareReceptors: false });
  try {
    const layout = nodeLayout(g);
    const probs = noGrad(() => tidy(() => pointerSoftmax(stackNodes(L.encoder!.forward(g)), layout).toArray() as number[][]));
    return Array.from(layout.items, (items) => [0, 1].map((i) => Array.from(items, (n) => probs[n]![i]!)));
  } finally {
    disposeGraph(g);
  }
}

/** −Σ p log q over the nodes, q given as probabilities. */
function crossEntropy(p: readonly number[], q: readonly number[]): number {
  return -p.reduce((s, pi, n) => (pi > 0 ? s + pi * Math.log(Math.max(q[n]!, 1e-300)) : s), 0);
}

function measure(L: DockingRun, prior: DockingLatentPrior, c: Complex, rng: Rng): Row {
  const q = encoderOnModes(L, c);
  const total = c.record.modes.reduce((s, m) => s + m.weight, 0);
  const w = c.record.modes.map((m) => m.weight / total);
  const K = q[0]![0]!.length;
  const p1 = Array.from({ length: K }, (_, n) => w.reduce((s, wj, j) => s + wj * q[j]![0]![n]!, 0));
  // joint[z₁][z₂]: the pointers' joint distribution, the encoder's mixed over the modes by weight.
  const joint = Array.from({ length: K }, (_, z1) => Array.from({ length: K }, (_, n) => w.reduce((s, wj, j) => s + wj * q[j]![0]![z1]! * q[j]![1]![n]!, 0)));
  const encoder = w.reduce((s, wj, j) => s + wj * (countsEntropy(q[j]![0]!) + countsEntropy(q[j]![1]!)) / 2, 0);
  const floor = countsEntropy(joint.flat()) / 2;
  // The z₁ that carry the mass, heaviest first, until 99.9% (at most 64).
  const order = p1.map((p, n) => [p, n] as const).sort((x, y) => y[0] - x[0]);
  const support: number[] = [];
  for (let mass = 0; mass < 0.999 && support.length < 64; mass += order[support.length]![0]) support.push(order[support.length]![1]);
  const held = support.reduce((s, z1) => s + p1[z1]!, 0);
  let ce = 0;
  for (let d = 0; d < a.draws; d++) {
    const ctx = priorContext(L.net, [{ lig: c.lig, rec: c.rec, center: c.rec.center }], L.cfg, rng);
    try {
      const first = noGrad(() => tidy(() => prior.probabilities(ctx, [0, 0], 0).toFlatArray()));
      let second = 0;
      for (const z1 of support) {
        const given = noGrad(() => tidy(() => prior.probabilities(ctx, [z1, 0], 1).toFlatArray()));
        second += crossEntropy(joint[z1]!, given);
      }
      ce += (crossEntropy(p1, first) + second / held) / 2;
    } finally {
      disposeContext(ctx);
    }
  }
  return { id: `${c.record.receptor}/${c.record.id}`, modes: w.length, encoder, floor, prior: ce / a.draws };
}

const L = loadDockingRun(a.run);
if (!L.encoder || L.cfg.latents.m !== 2) throw new Error(`${a.run}: this bench needs a DisCo-DiffDock run with m = 2 pointer latents`);
const prior = loadDockingPrior(L);
const { train, test } = loadComplexes(L.cfg);
const splits = { train: train.slice(0, a.train), test: a.test ? test.slice(0, a.test) : test };
const result: Record<string, unknown> = {};
console.log(`${a.run} (step ${L.step}): nats per latent, mean over complexes [95% bootstrap]`);
for (const [split, complexes] of Object.entries(splits)) {
  const rng = new Rng(a.seed);
  const rows = complexes.map((c, i) => {
    process.stderr.write(`\r${split}: ${i + 1}/${complexes.length}`);
    return measure(L, prior, c, rng);
  });
  process.stderr.write('\n');
  const stat = (f: (r: Row) => number) => bootstrapMean(rows.map(f));
  const summary = { complexes: rows.length, encoder: stat((r) => r.encoder), floor: stat((r) => r.floor), prior: stat((r) => r.prior),
    gap: stat((r) => r.prior - r.floor), modeInformation: stat((r) => r.floor - r.encoder) };
  const f = (s: { mean: number; lo: number; hi: number }) => `${s.mean.toFixed(3)} [${s.lo.toFixed(3)}, ${s.hi.toFixed(3)}]`;
  console.log(`${split.padEnd(5)} ${String(rows.length).padStart(4)} complexes  encoder ${f(summary.encoder)}  floor ${f(summary.floor)}  ` +
    `prior ${f(summary.prior)}  prior − floor ${f(summary.gap)}`);
  result[split] = { summary, rows };
}
writeFileSync(join(import.meta.dirname, 'results', `docking-prior-floor${a.tag ? `-${a.tag}` : ''}.json`),
  JSON.stringify({ machine: machineRecord(), run: a.run, step: L.step, draws: a.draws, seed: a.seed, ...result }, null, 2));
L.net.dispose();
L.encoder.dispose();
prior.dispose();
