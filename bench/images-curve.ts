/**
 * FD against training time: the shipped EDM and DisCo-Diff image configs (configs/fmnist-edm.yaml,
 * configs/fmnist-disco.yaml) trained side by side, one thread each at the same time, unconditional
 * and class-conditional (`data.useLabels`, the paper's ImageNet setting), over training seeds. One
 * run per arm gives the whole curve: at each budget (minutes of training) the run directory is
 * copied as a snapshot, and training resumes from it (exact resume). Then every snapshot is
 * evaluated: FD-FMNIST on n samples with the run's sampler and at low NFE (Heun, fewer steps), and
 * at the last budget with a second sample seed, which shows the FD's sampling noise; real-vs-real
 * FD (n training images against the test set) is the floor. Writes bench/results/images-curve.json
 * and a figure of FD against minutes and against steps.
 *
 * Every phase skips what is already done, so the same command continues after an interruption
 * (a budget interrupted half-way restarts from the snapshot before it). Each evaluated snapshot
 * leaves a small record in bench/results/images-curve/ (its steps, speed, machine and evaluations),
 * and the report reads those records, so the results outlive the run directories; the same
 * setting, seed, arm and budget evaluated again replaces its record.
 *   node --import tsx bench/images-curve.ts [--phase all|train|eval|report] [--minutes 15,30,60]
 *     [--seeds 0,1] [--settings uncond,cond] [--n 2000] [--sample-seeds 0,1] [--low-nfe-steps 6]
 *     [--out runs/bench-curve]
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tidy } from '../src/engine/index.js';
import { loadFashionMNIST, loadFashionMNISTTest } from '../src/data/fashion-mnist.js';
import { evaluateImages } from '../src/metrics/fmnist-classifier.js';
import { Figure, dataLimits, lineChart, type Curve } from '../src/plot/index.js';
import { benchArgs } from './args.js';
import { cli } from './cli.js';
import { machineRecord, type MachineRecord } from './record.js';

const args = benchArgs('node --import tsx bench/images-curve.ts [flags]', {
  phase: { kind: 'string', default: 'all', help: 'train, eval, report or all' },
  minutes: { kind: 'numbers', default: '15,30,60', help: 'training budgets at which a snapshot is taken and evaluated' },
  seeds: { kind: 'numbers', default: '0,1', help: 'training seeds' },
  settings: { kind: 'list', default: 'uncond,cond', help: 'uncond and/or cond (class labels on both arms)' },
  n: { kind: 'number', default: '2000', help: 'samples per FD' },
  'sample-seeds': { kind: 'numbers', default: '0,1', help: 'sample seeds: the first at every budget, all at the last' },
  'low-nfe-steps': { kind: 'number', default: '6', help: 'Heun steps of the low-NFE evaluation' },
  out: { kind: 'string', default: 'runs/bench-curve', help: 'where the runs go' },
});
const budgets = [...args.minutes].sort((a, b) => a - b);
const { n, out } = args, sampleSeeds = args['sample-seeds'], lowSteps = args['low-nfe-steps'];
for (const s of args.settings) if (s !== 'uncond' && s !== 'cond') throw new Error(`--settings: '${s}' is neither uncond nor cond`);
if (!['all', 'train', 'eval', 'report'].includes(args.phase)) throw new Error(`--phase: '${args.phase}' is not all, train, eval or report`);
const root = join(import.meta.dirname, '..');
const ARMS = { edm: 'configs/fmnist-edm.yaml', disco: 'configs/fmnist-disco.yaml' } as const;
type Arm = keyof typeof ARMS;
const arms = Object.keys(ARMS) as Arm[];

const both = (f: (a: Arm) => Promise<void>) => Promise.all(arms.map(f));
const readJson = <T>(p: string): T => JSON.parse(readFileSync(p, 'utf8')) as T;
const seedDir = (setting: string, seed: number) => join(out, setting, `seed-${seed}`);
const live = (setting: string, seed: number, arm: Arm) => join(seedDir(setting, seed), arm);
const snapshot = (setting: string, seed: number, arm: Arm, minutes: number) => join(seedDir(setting, seed), `${arm}-${minutes}min`);

/** Trains both arms of one setting and seed through the budgets, snapshotting each. */
async function train(setting: string, seed: number): Promise<void> {
  const sets = ['--set', `train.seed=${seed}`, ...(setting === 'cond' ? ['--set', 'data.useLabels=true'] : [])];
  let done = 0;
  for (const minutes of budgets) {
    if (arms.every((a) => existsSync(snapshot(setting, seed, a, minutes)))) {
      done = minutes;
      continue;
    }
    // Start this budget from the last snapshot (or from scratch), whatever the live runs hold.
    for (const a of arms) {
      rmSync(live(setting, seed, a), { recursive: true, force: true });
      if (done) cpSync(snapshot(setting, seed, a, done), live(setting, seed, a), { recursive: true });
    }
    console.log(`[curve] ${setting} seed ${seed}: training ${done} → ${minutes} min`);
    await both((a) => cli(['train', '--config', ARMS[a], '--out', live(setting, seed, a), '--minutes', String(minutes - done),
      '--quiet', ...(done ? ['--resume'] : []), ...sets]));
    for (const a of arms) {
      const tmp = `${snapshot(setting, seed, a, minutes)}.tmp`;
      rmSync(tmp, { recursive: true, force: true });
      cpSync(live(setting, seed, a), tmp, { recursive: true });
      renameSync(tmp, snapshot(setting, seed, a, minutes));
    }
    done = minutes;
  }
}

/** One evaluation's result file next to the snapshot: eval-{main|low}-s{seed}.json. */
const evalFile = (dir: string, kind: 'main' | 'low', sampleSeed: number) => join(dir, `eval-${kind}-s${sampleSeed}.json`);

/** Evaluates one snapshot: the prior (DisCo-Diff), then FD at the run's sampler and at low NFE per sample seed, recording each. */
async function evaluate(setting: string, seed: number, arm: Arm, minutes: number): Promise<void> {
  const dir = snapshot(setting, seed, arm, minutes), last = minutes === budgets.at(-1);
  if (arm === 'disco' && !existsSync(join(dir, 'prior.safetensors'))) await cli(['train-prior', '--run', dir, '--quiet']);
  for (const s of last ? sampleSeeds : sampleSeeds.slice(0, 1)) {
    for (const kind of ['main', 'low'] as const) {
      if (existsSync(evalFile(dir, kind, s))) continue;
      await cli(['eval', '--run', dir, '--n', String(n), '--seed', String(s), ...(kind === 'low' ? ['--steps', String(lowSteps)] : [])]);
      renameSync(join(dir, 'metrics.json'), evalFile(dir, kind, s));
      record(setting, seed, arm, minutes);
    }
  }
  // A snapshot evaluated before records existed; a finished one keeps the machine record of the run that measured it.
  if (!existsSync(recordFile(setting, seed, arm, minutes))) record(setting, seed, arm, minutes);
}

/** Writes the snapshot's record from the evaluations it has so far (an interrupted evaluation keeps what it finished). */
function record(setting: string, seed: number, arm: Arm, minutes: number): void {
  const dir = snapshot(setting, seed, arm, minutes);
  // Every evaluation in the folder, whichever --sample-seeds asked for it.
  const done = (kind: 'main' | 'low') => Object.fromEntries(readdirSync(dir).flatMap((f) => {
    const s = new RegExp(`^eval-${kind}-s(\\d+)\\.json$`).exec(f)?.[1];
    return s === undefined ? [] : [[s, readJson<EvalMetrics>(join(dir, f))]];
  }));
  const logged = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { stepsPerSec: number });
  const rec: SnapshotRecord = {
    setting, seed, arm, minutes, n, stepsPerSec: logged.at(-1)!.stepsPerSec, lowSteps,
    machine: machineRecord({ threads: 1, note: 'EDM and DisCo-Diff arms trained at the same time, one thread each' }),
    main: done('main'), low: done('low'),
  };
  mkdirSync(recordDir, { recursive: true });
  writeFileSync(recordFile(setting, seed, arm, minutes), JSON.stringify(rec, null, 2));
}

interface EvalMetrics {
  fd: number; precision: number; recall: number; nfe: number; steps: number; codePerplexity: number[] | null;
  recognisable: { samples: number; reference: number } | null; lossVsSigma: { sigma: number[]; loss: number[] };
  consistency: { shared: number; independent: number } | null;
}
/** What the report keeps of one evaluated snapshot (bench/results/images-curve/SETTING-sSEED-ARM-MINUTESmin.json). */
interface SnapshotRecord {
  setting: string; seed: number; arm: Arm; minutes: number; n: number; lowSteps: number;
  /** Training speed over the last logged interval. */
  stepsPerSec: number;
  machine: MachineRecord;
  /** Evaluations by sample seed, at the run's sampler and at low NFE. */
  main: Record<string, EvalMetrics>; low: Record<string, EvalMetrics>;
}
const recordDir = join(root, 'bench', 'results', 'images-curve');
const recordFile = (setting: string, seed: number, arm: Arm, minutes: number) => join(recordDir, `${setting}-s${seed}-${arm}-${minutes}min.json`);

interface Row {
  setting: string; seed: number; arm: Arm; minutes: number; cpu: string; steps: number; stepsPerSec: number;
  fd: Record<string, number>; fdLow: Record<string, number>; nfe: number; nfeLow: number;
  precision: number; recall: number; perplexityMin: number | null; recognisable: number | null;
  lossVsSigma: { sigma: number[]; loss: number[] }; consistency: { shared: number; independent: number } | null;
}

/** Real-vs-real FD: n training images against the test set (the floor of a model's FD at this n). */
function realFloor(): { fd: number; precision: number; recall: number } {
  return tidy(() => {
    const train = loadFashionMNIST({});
    const test = loadFashionMNISTTest({});
    const r = evaluateImages(train.x.slice(0, 0, n), test.x);
    for (const t of [train.x, train.labels, test.x, test.labels]) t?.dispose();
    return { fd: r.fdFmnist, precision: r.precision, recall: r.recall };
  });
}

function report(): void {
  const rows: Row[] = [];
  for (const setting of args.settings) {
    for (const seed of args.seeds) {
      for (const minutes of budgets) {
        for (const arm of arms) {
          const file = recordFile(setting, seed, arm, minutes);
          if (!existsSync(file)) continue;
          const rec = readJson<SnapshotRecord>(file);
          if (rec.n !== n) continue;
          const fd = Object.fromEntries(Object.entries(rec.main).map(([s, e]) => [s, e.fd]));
          const fdLow = Object.fromEntries(Object.entries(rec.low).map(([s, e]) => [s, e.fd]));
          // Everything but the FD's of other sample seeds is the first sample seed's.
          const main = rec.main[sampleSeeds[0]!], low = rec.low[sampleSeeds[0]!];
          if (!main || !low) continue;
          rows.push({ setting, seed, arm, minutes, cpu: rec.machine.cpu, steps: main.steps, stepsPerSec: rec.stepsPerSec, fd, fdLow,
            nfe: main.nfe, nfeLow: low.nfe, precision: main.precision, recall: main.recall,
            perplexityMin: main.codePerplexity ? Math.min(...main.codePerplexity) : null,
            recognisable: main.recognisable?.samples ?? null, lossVsSigma: main.lossVsSigma, consistency: main.consistency });
        }
      }
    }
  }
  const floor = realFloor();
  const first = String(sampleSeeds[0]);
  const f = (v: number | undefined, d = 1) => (v === undefined ? '—' : v.toFixed(d));
  console.log(`FD-FMNIST on ${n} samples (sample seed ${first}; other seeds at the last budget); real-vs-real floor ${floor.fd.toFixed(2)}`);
  console.log('setting  seed  min  arm    steps  FD (NFE)          FD low NFE       FD other seeds   prec   rec    recog  ppl min');
  for (const r of rows) {
    const others = sampleSeeds.slice(1).map((s) => `${f(r.fd[s])}/${f(r.fdLow[s])}`).join(' ');
    console.log(`${r.setting.padEnd(8)} ${String(r.seed).padEnd(5)} ${String(r.minutes).padEnd(4)} ${r.arm.padEnd(6)} ${String(r.steps).padEnd(6)} ` +
      `${`${f(r.fd[first])} (${r.nfe})`.padEnd(17)} ${`${f(r.fdLow[first])} (${r.nfeLow})`.padEnd(16)} ${others.padEnd(16)} ` +
      `${r.precision.toFixed(3)}  ${r.recall.toFixed(3)}  ${f(r.recognisable ?? undefined, 3)}  ${f(r.perplexityMin ?? undefined)}`);
  }
  // Loss per σ (EMA weights, 1,000 test images) at each budget, EDM / DisCo-Diff.
  for (const r of rows.filter((x) => x.arm === 'edm')) {
    const d = rows.find((x) => x.arm === 'disco' && x.setting === r.setting && x.seed === r.seed && x.minutes === r.minutes);
    if (!d) continue;
    console.log(`${r.setting} seed ${r.seed}, ${r.minutes} min, loss per σ EDM/DisCo: ` +
      r.lossVsSigma.sigma.map((sg, i) => `${sg.toPrecision(2)}: ${r.lossVsSigma.loss[i]!.toFixed(3)}/${d.lossVsSigma.loss[i]!.toFixed(3)}`).join('  '));
  }
  writeFileSync(join(root, 'bench', 'results', 'images-curve.json'), JSON.stringify({
    machine: machineRecord({ threads: 1, note: 'EDM and DisCo-Diff arms trained at the same time, one thread each, on an otherwise quiet machine; evaluations two at a time' }),
    budgets, seeds: args.seeds, settings: args.settings, n, sampleSeeds, lowSteps, realFloor: floor, rows,
  }, null, 2));
  if (rows.length) figure(rows, floor.fd);
}

/** FD against minutes and against steps: one row of panels per setting; seeds dashed after the first; the floor dotted. */
function figure(rows: Row[], floor: number): void {
  const settings = args.settings.filter((s) => rows.some((r) => r.setting === s));
  const fig = new Figure({ rows: settings.length, cols: 2, panelWidth: 440, panelHeight: 330,
    title: `FD-FMNIST (${n} samples, ${rows[0]!.nfe} NFE) of EDM and DisCo-Diff against training` });
  const colors: Record<Arm, string> = { edm: '#1f77b4', disco: '#d62728' };
  const fdOf = (r: Row) => r.fd[String(sampleSeeds[0])]!;
  settings.forEach((setting, i) => {
    const mine = rows.filter((r) => r.setting === setting);
    (['minutes', 'steps'] as const).forEach((x, j) => {
      const curves: Curve[] = args.seeds.flatMap((seed, si) => arms.map((arm) => {
        const pts = mine.filter((r) => r.seed === seed && r.arm === arm).sort((a, b) => a.minutes - b.minutes);
        return { label: `${arm === 'edm' ? 'EDM' : 'DisCo-Diff'}, seed ${seed}`, x: pts.map((r) => r[x]), y: pts.map(fdOf),
          color: colors[arm], dash: si ? 'dashed' as const : undefined, markers: true };
      })).filter((c) => c.x.length > 0);
      const ax = fig.axes(i, j, { xlim: dataLimits([0, ...mine.map((r) => r[x])]), ylim: dataLimits([floor, ...mine.map(fdOf)], { log: true }),
        ylog: true, grid: true, title: setting === 'cond' ? 'class-conditional' : 'unconditional',
        xlabel: x === 'minutes' ? 'training minutes (one thread)' : 'training steps', ylabel: 'FD-FMNIST' });
      const [x0, x1] = ax.opts.xlim!;
      lineChart(ax, [...curves, { label: 'real vs real', x: [x0, x1], y: [floor, floor], color: '#555555', dash: 'dotted' }]);
      ax.frame();
    });
  });
  const path = join(root, 'bench', 'results', 'images-curve.png');
  fig.save(path);
  console.log(`wrote bench/results/images-curve.json and ${path}`);
}

if (args.phase === 'all' || args.phase === 'train') {
  for (const setting of args.settings) for (const seed of args.seeds) await train(setting, seed);
}
if (args.phase === 'all' || args.phase === 'eval') {
  for (const setting of args.settings) {
    for (const seed of args.seeds) {
      for (const minutes of budgets) {
        if (!arms.every((a) => existsSync(snapshot(setting, seed, a, minutes)))) continue;
        await both((a) => evaluate(setting, seed, a, minutes));
      }
    }
  }
}
if (args.phase === 'all' || args.phase === 'report' || args.phase === 'eval') report();
