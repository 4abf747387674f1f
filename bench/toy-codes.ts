/**
 * bench/toy-codes: how DisCo-Diff's codes live and die in the first steps of a 2-D toy run (issue
 * #23: the 5×5 grid loses codes). Trains the shipped DisCo-Diff config (configs/toy-disco.yaml) on
 * a toy set with k codes and, every `--every` steps, reads the encoder on a fixed probe of fresh
 * points: per code its number of probe points (argmax), its logit gap (the most it wins by on any
 * probe point: max_x [ℓ_j(x) − max_{l≠j} ℓ_l(x)], below 0 where it wins nowhere), purity against the
 * true components, and the distance of each centre to its nearest mode. Deaths are codes that held
 * probe points at the last check and hold none now; restarts come from the run's metrics rows.
 * Prints a table and writes bench/results/toy-codes[-TAG].json.
 *
 * Usage: node --import tsx bench/toy-codes.ts [--data grid] [--k 25] [--steps 1500] [--every 25]
 *          [--seed 0] [--tag NAME] [--set key=value ...]
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, noGrad, tidy, where, type Tensor } from '../src/engine/index.js';
import { applyOverrides, loadConfig, parseConfig } from '../src/config/load.js';
import { trainStage1 } from '../src/train/stage1.js';
import { RunDir } from '../src/train/run-dir.js';
import { makeToy } from '../src/data/toy.js';
import { latentPurity } from '../src/metrics/modes.js';
import type { DiscoDiff } from '../src/disco/model.js';
import { benchArgs } from './args.js';
import { machineRecord } from './record.js';

const args = benchArgs('node --import tsx bench/toy-codes.ts [flags]', {
  data: { kind: 'string', default: 'grid', help: 'toy data set' },
  k: { kind: 'number', default: '25', help: 'codes per latent' },
  steps: { kind: 'number', default: '1500', help: 'Stage-I steps' },
  every: { kind: 'number', default: '25', help: 'steps between reads of the codes' },
  seed: { kind: 'number', default: '0', help: 'training seed' },
  tag: { kind: 'string', help: 'writes bench/results/toy-codes-TAG.json' },
  set: { kind: 'repeat', help: 'key=value override of the DisCo-Diff config' },
});

interface Check {
  step: number;
  /** Codes holding ≥ 1 probe point, and those that lost their last one since the previous check. */
  alive: number;
  deaths: number;
  /** Probe points per code, and each code's logit gap (see above). */
  counts: number[];
  gaps: number[];
  purity: number;
  /** Per code: distance of its centre to the nearest true mode. */
  centreError: number[];
}

const raw = JSON.parse(JSON.stringify(loadConfig(join(import.meta.dirname, '..', 'configs', 'toy-disco.yaml')))) as Record<string, unknown>;
applyOverrides(raw, [`train.seed=${args.seed}`, `data.name="${args.data}"`, `latents.k=${args.k}`, `train.steps=${args.steps}`,
  ...args.set]);
const cfg = parseConfig(raw, 'toy-disco.yaml with overrides');
const g = new Generator(1_000_003);
const probe = makeToy(args.data, 4000, g, { iid: true });
g.dispose();
const modes = probe.centers ?? null;

function read(step: number, model: DiscoDiff, before: number[] | null): Check {
  return noGrad(() => tidy(() => {
    const logits = model.encoder!.forward(probe.x).select(1, 0); // (N, k), latent 0
    const k = logits.size(1);
    const codes = logits.argmax(1);
    const counts = new Array<number>(k).fill(0);
    for (const c of codes.toFlatArray()) counts[c]! += 1;
    // For each code: ℓ_j − the best other logit, maximised over the probe points.
    const top2 = logits.topk(2, 1);
    const best = top2.values.select(1, 0).unsqueeze(1), second = top2.values.select(1, 1).unsqueeze(1);
    const isBest = logits.eq(best);
    const gaps = logits.sub(where(isBest, second, best)).max(0).toFlatArray();
    const means = (model.denoiser.net as { means?: Tensor | null }).means;
    const centres = means ? (means.double().toArray() as number[][][])[0]! : null;
    const centreError = centres && modes
      ? centres.map((c) => Math.min(...modes.map((mu) => Math.hypot(...mu.map((v, d) => v - c[d]!))))) : [];
    const alive = counts.filter((n) => n > 0).length;
    const deaths = before ? counts.filter((n, j) => n === 0 && before[j]! > 0).length : 0;
    return { step, alive, deaths, counts, gaps, purity: latentPurity(codes, probe.labels).purity, centreError };
  }));
}

const out = join(import.meta.dirname, 'results', `toy-codes-run${args.tag ? `-${args.tag}` : ''}`);
rmSync(out, { recursive: true, force: true });
const checks: Check[] = [];
await trainStage1(cfg, out, {
  quiet: true,
  onStep: ({ step, model }) => {
    if (step % args.every !== 0 && step !== 1) return;
    checks.push(read(step, model, checks.at(-1)?.counts ?? null));
  },
});
const rows = readFileSync(new RunDir(out).metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; restarts?: number });
const per100 = (from: number, to: number) => ({
  deaths: checks.filter((c) => c.step > from && c.step <= to).reduce((s, c) => s + c.deaths, 0),
  restarts: rows.filter((r) => r.step > from && r.step <= to).reduce((s, r) => s + (r.restarts ?? 0), 0),
});
const windows = Array.from({ length: Math.ceil(args.steps / 100) }, (_, i) => ({ from: 100 * i, to: 100 * (i + 1), ...per100(100 * i, 100 * (i + 1)) }));

const f = (v: number, d = 2) => v.toFixed(d);
console.log(`${args.data}, k = ${args.k}, seed ${args.seed}${args.set.length ? `, ${args.set.join(' ')}` : ''}`);
console.log('step   alive  purity  min/median gap   median centre error');
for (const c of checks) {
  const sorted = [...c.gaps].sort((a, b) => a - b), err = [...c.centreError].sort((a, b) => a - b);
  console.log(`${String(c.step).padEnd(6)} ${String(c.alive).padEnd(6)} ${f(100 * c.purity, 1).padEnd(7)} ` +
    `${f(sorted[0]!)} / ${f(sorted[sorted.length >> 1]!)}`.padEnd(17) + `${err.length ? f(err[err.length >> 1]!) : '—'}`);
}
console.log('\nper 100 steps: deaths / restarts');
console.log(windows.map((w) => `${w.from}-${w.to}: ${w.deaths}/${w.restarts}`).join('  '));
writeFileSync(join(import.meta.dirname, 'results', `toy-codes${args.tag ? `-${args.tag}` : ''}.json`),
  JSON.stringify({ machine: machineRecord(), data: args.data, k: args.k, seed: args.seed, overrides: args.set, windows, checks }, null, 1));
rmSync(out, { recursive: true, force: true });
