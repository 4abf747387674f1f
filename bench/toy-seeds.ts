/**
 * bench/toy-seeds: DisCo-Diff vs the plain DM on a 2-D toy set over several training seeds, with
 * the shipped configs (configs/toy-edm.yaml, configs/toy-disco.yaml) at the demo budget.
 * Per seed: latent purity and codes used (encoder codes of fresh data vs true components), W2 to
 * fresh data with the default sampler and at low NFE (src/eval/low-nfe.ts: Heun, stochastic and
 * Restart at equal NFE 9 and 15, Heun 3 steps, Euler 10), off-mode fraction, and the share of the
 * sampler's σ where DisCo-Diff's ODE curvature (and turning per unit ln σ) is below the DM's.
 * Prints a table (per seed and the median) and writes bench/results/toy-seeds[-TAG].json.
 *
 * Usage: node --import tsx bench/toy-seeds.ts [--seeds 10] [--first 0] [--jobs 1] [--data 8gaussians]
 *          [--labels PATH] [--steps N] [--stage1-only] [--tag NAME] [--set latents.diversity=0.1 ...]
 *        node --import tsx bench/toy-seeds.ts --suite [--seeds 10] [--jobs 2] [--cases grid,grid-k16,…] [--tag NAME] [--set k=v]
 * --jobs N splits the seeds over N worker processes (each with DISCO_THREADS threads, else one per core).
 * --stage1-only trains DisCo-Diff alone and reports purity and codes used (for ablations);
 * --set overrides a key of the DisCo-Diff config, e.g. --set model.latentInput=none.
 * --data array:PATH trains on an .npy of points [N, D] (--labels: their components, for purity).
 * --suite runs every case of SUITE below (one toy-seeds run each, tag suite-CASE) and writes
 * bench/results/toy-seeds-suite.json with a table of all cases against the issue's targets; with
 * --tag NAME the files are NAME-CASE and NAME instead, and --set applies to every case's DisCo-Diff.
 * The runs live in bench/results/toy-seeds-run[-TAG]/; a rerun resumes unfinished runs and reads a
 * finished seed's row (row-SEED.json, if its settings match) instead of evaluating it again.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, tidy } from '../src/engine/index.js';
import { loadArrayData } from '../src/data/array.js';
import { applyOverrides, loadConfig, parseConfig } from '../src/config/load.js';
import { trainStage1 } from '../src/train/stage1.js';
import { trainPrior } from '../src/train/stage2.js';
import { loadRun } from '../src/train/load-run.js';
import { RunDir } from '../src/train/run-dir.js';
import { makeToy } from '../src/data/toy.js';
import { evaluateToyRun, type ToyMetrics } from '../src/eval/toy.js';
import { LOW_NFE, lowNfeTable } from '../src/eval/low-nfe.js';
import type { TimeSeries } from '../src/metrics/curvature.js';
import { latentPurity } from '../src/metrics/modes.js';
import { codeUsage } from '../src/metrics/code-usage.js';
import { benchArgs } from './args.js';
import { machineRecord } from './record.js';
import { runSuite } from './toy-suite.js';
import { script } from './cli.js';

const args = benchArgs('node --import tsx bench/toy-seeds.ts [flags]', {
  seeds: { kind: 'number', default: '10', help: 'how many training seeds' },
  first: { kind: 'number', default: '0', help: 'the first seed' },
  jobs: { kind: 'number', default: '1', help: 'worker processes the seeds are split over' },
  data: { kind: 'string', default: '8gaussians', help: 'toy data set, or array:PATH (an .npy of points [N, D])' },
  labels: { kind: 'string', help: 'with --data array:PATH, an .npy of the points\' components' },
  suite: { kind: 'boolean', help: 'run the suite of data sets and codebook sizes (see SUITE)' },
  cases: { kind: 'list', help: 'with --suite, only these cases' },
  'low-nfe': { kind: 'list', help: 'the low-NFE settings to measure (src/eval/low-nfe.ts; default all)' },
  steps: { kind: 'number', help: 'Stage-I steps (default: the configs\' train.steps)' },
  'stage1-only': { kind: 'boolean', help: 'train DisCo-Diff alone; purity and codes used only' },
  tag: { kind: 'string', help: 'writes bench/results/toy-seeds-TAG.json' },
  set: { kind: 'repeat', help: 'key=value override of the DisCo-Diff config' },
  'rows-out': { kind: 'string', help: '(a worker\'s own flag) write the rows here and exit' },
});
const { seeds, first, data: dataName, steps, tag, set: sets, jobs } = args;
const stage1Only = args['stage1-only'], rowsOut = args['rows-out'], lowNfe = args['low-nfe'];
if (args.suite) {
  await runSuite({ seeds, jobs, cases: args.cases, steps, name: tag ?? 'suite', sets });
  process.exit(0);
}
const root = join(import.meta.dirname, 'results', `toy-seeds-run${tag ? `-${tag}` : ''}`);
const CONFIGS = join(import.meta.dirname, '..', 'configs');

/** The data section an override sets: a toy set by name, or an array file with its labels. */
function dataOverride(): string {
  if (!dataName.startsWith('array:')) return `data.name="${dataName}"`;
  return `data=${JSON.stringify({ kind: 'array', path: dataName.slice(6), ...(args.labels && { labels: args.labels }) })}`;
}

function config(file: string, seed: number, extra: string[]) {
  const raw = JSON.parse(JSON.stringify(loadConfig(join(CONFIGS, file)))) as Record<string, unknown>;
  applyOverrides(raw, [`train.seed=${seed}`, dataOverride(), ...(steps ? [`train.steps=${steps}`] : []), ...extra]);
  return parseConfig(raw, `${file} with overrides`);
}

/** Trains the run in `dir`, or continues one that an interruption left short of its steps (a finished one returns at once). */
async function trained(file: string, dir: string, seed: number, extra: string[]): Promise<void> {
  const resume = existsSync(new RunDir(dir).checkpoint);
  if (!resume) rmSync(dir, { recursive: true, force: true });
  await trainStage1(config(file, seed, extra), dir, { quiet: true, resume });
}

/**
 * Purity, inverse purity, codes used and perplexity of the encoder's codes: on 4000 fresh points of
 * a toy set, or on the first 4000 points of an array with labels.
 */
function codeQuality(dir: string): { purity: number; inversePurity: number; codesUsed: number; perplexity: number } {
  const L = loadRun(dir);
  const data = L.cfg.data;
  const probe = tidy(() => {
    if (data.kind === 'toy') {
      const g = new Generator(1_000_003);
      const fresh = makeToy(data.name, 4000, g, { iid: true });
      g.dispose();
      return { x: fresh.x, labels: fresh.labels };
    }
    if (data.kind !== 'array' || !data.labels) throw new Error('toy runs, or array runs with labels, only');
    const d = loadArrayData(data);
    const n = Math.min(4000, d.x.size(0));
    return { x: d.x.slice(0, 0, n), labels: d.components!.slice(0, 0, n) };
  });
  const { codes, probs } = L.model.extractLatents(probe.x);
  const usage = codeUsage(codes, L.cfg.latents.k);
  const p = latentPurity(codes.select(1, 0), probe.labels);
  const r = { purity: p.purity, inversePurity: p.inversePurity, codesUsed: usage.used[0]!, perplexity: usage.perplexity[0]! };
  for (const t of [codes, probs, probe.x, probe.labels]) t.dispose();
  L.model.dispose();
  return r;
}

interface SeedRow {
  seed: number;
  purity: number;
  inversePurity: number;
  codesUsed: number;
  perplexity: number;
  /** Means over the evaluation's draws, and their spreads. */
  w2?: { dm: number; disco: number; floor: number };
  w2Spread?: { dm: number; disco: number; floor: number };
  /** W2 within modes (known mixtures), means over the draws. */
  w2Modes?: { dm: number; disco: number; floor: number } | null;
  offMode?: { dm: number | null; disco: number | null };
  lowNfe?: Record<string, { dm: number; disco: number }>;
  curvatureBinsLower?: number;
  turningBinsLower?: number;
  minutes: number;
}

mkdirSync(root, { recursive: true });
const rows: SeedRow[] = [];
if (jobs > 1) {
  // Workers: contiguous seed ranges, each writing its rows to a file; their output goes to ours.
  const per = Math.ceil(seeds / jobs);
  const workers = Array.from({ length: jobs }, (_, j) => ({ first: first + j * per, n: Math.min(per, seeds - j * per) }))
    .filter((w) => w.n > 0).map((w, j) => {
      const out = join(root, `rows-${j}.json`);
      const own = [...(steps !== undefined ? ['--steps', String(steps)] : []), '--data', dataName, ...(tag ? ['--tag', tag] : []),
        ...(args.labels ? ['--labels', args.labels] : []), ...(lowNfe ? ['--low-nfe', lowNfe.join(',')] : []),
        ...(stage1Only ? ['--stage1-only'] : []), ...sets.flatMap((x) => ['--set', x])];
      return { out, done: script(import.meta.filename, [...own, '--first', String(w.first), '--seeds', String(w.n), '--rows-out', out],
        `worker for seeds from ${w.first}`) };
    });
  await Promise.all(workers.map((w) => w.done));
  for (const w of workers) rows.push(...(JSON.parse(readFileSync(w.out, 'utf8')) as SeedRow[]));
}
/**
 * A seed's row is kept beside its runs (row-SEED.json, with the settings that made it), so that a
 * rerun — an interrupted suite — reads it instead of evaluating the finished runs again.
 */
const settings = JSON.stringify({ data: dataName, labels: args.labels ?? null, sets, steps: steps ?? null, lowNfe: lowNfe ?? null, stage1Only: !!stage1Only });
const rowFile = (seed: number) => join(root, `row-${seed}.json`);
function savedRow(seed: number): SeedRow | null {
  if (!existsSync(rowFile(seed))) return null;
  const saved = JSON.parse(readFileSync(rowFile(seed), 'utf8')) as { settings: string; row: SeedRow };
  return saved.settings === settings ? saved.row : null;
}

/** Trains (or resumes) seed's two runs and measures them. */
async function seedRow(seed: number): Promise<SeedRow> {
  const t0 = performance.now();
  const disco = join(root, `disco-${seed}`), dm = join(root, `dm-${seed}`);
  await trained('toy-disco.yaml', disco, seed, sets);
  const row: SeedRow = { seed, ...codeQuality(disco), minutes: 0 };
  if (!stage1Only) {
    await trained('toy-edm.yaml', dm, seed, []);
    if (!existsSync(new RunDir(disco).prior)) await trainPrior(disco, { quiet: true });
    // Evaluation seed = training seed: the samples' and the reference's draws vary across rows too,
    // so the median is over evaluation noise as well (with one fixed seed, every row would share
    // the same reference draw and the same code counts from the prior).
    const a = evaluateToyRun(dm, { seed, lowNfe }), b = evaluateToyRun(disco, { seed, lowNfe });
    a.artifacts.dispose();
    b.artifacts.dispose();
    const ma: ToyMetrics = a.metrics, mb: ToyMetrics = b.metrics;
    row.w2 = { dm: ma.w2, disco: mb.w2, floor: ma.w2Floor };
    row.w2Spread = { dm: ma.w2Spread, disco: mb.w2Spread, floor: ma.w2FloorSpread };
    row.w2Modes = ma.w2Modes === null ? null : { dm: ma.w2Modes, disco: mb.w2Modes!, floor: ma.w2ModesFloor! };
    row.offMode = { dm: ma.offMode, disco: mb.offMode };
    const lower = (x: TimeSeries, y: TimeSeries) => x.value.filter((v, i) => y.value[i]! < v).length / x.value.length;
    row.curvatureBinsLower = lower(ma.curvature, mb.curvature);
    row.turningBinsLower = lower(ma.turning, mb.turning);
    row.lowNfe = Object.fromEntries(Object.keys(ma.lowNfe).map((k) => [k, { dm: ma.lowNfe[k]!, disco: mb.lowNfe[k]! }]));
  }
  row.minutes = (performance.now() - t0) / 60000;
  writeFileSync(rowFile(seed), JSON.stringify({ settings, row }));
  return row;
}

for (let seed = first; jobs <= 1 && seed < first + seeds; seed++) {
  const row = savedRow(seed) ?? await seedRow(seed);
  rows.push(row);
  const f = (v: number | null | undefined, d = 3) => (v === null || v === undefined ? '—' : v.toFixed(d));
  console.log(`seed ${seed}: purity ${(100 * row.purity).toFixed(1)}% codes ${row.codesUsed} ppl ${f(row.perplexity, 2)}` +
    (row.w2 ? ` | W2 dm ${f(row.w2.dm)} disco ${f(row.w2.disco)} floor ${f(row.w2.floor)}` +
      (row.w2Modes ? ` | within modes dm ${f(row.w2Modes.dm)} disco ${f(row.w2Modes.disco)} floor ${f(row.w2Modes.floor)}` : '') +
      ` | off dm ${f(row.offMode!.dm, 4)} disco ${f(row.offMode!.disco, 4)} | curv lower ${f(row.curvatureBinsLower, 2)}` +
      ` turning lower ${f(row.turningBinsLower, 2)}` +
      ` | ${Object.entries(row.lowNfe!).map(([k, v]) => `${k} ${f(v.dm)}/${f(v.disco)}`).join(' ')}` : '') +
    ` (${row.minutes.toFixed(1)} min)`);
}

if (rowsOut) {
  writeFileSync(rowsOut, JSON.stringify(rows));
  process.exit(0);
}
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const good = rows.filter((r) => r.purity >= 0.95 && r.codesUsed === (dataName === '8gaussians' ? 8 : r.codesUsed)).length;
const summary: Record<string, unknown> = {
  data: dataName, seeds: rows.map((r) => r.seed), overrides: sets, steps: steps ?? 'config',
  purityMedian: median(rows.map((r) => r.purity)), purityMin: Math.min(...rows.map((r) => r.purity)),
  inversePurityMedian: median(rows.map((r) => r.inversePurity)), inversePurityMin: Math.min(...rows.map((r) => r.inversePurity)),
  seedsWithPurity95AllCodes: good,
};
if (!stage1Only) {
  const w = rows.map((r) => r.w2!);
  Object.assign(summary, {
    w2Median: { dm: median(w.map((x) => x.dm)), disco: median(w.map((x) => x.disco)), floor: median(w.map((x) => x.floor)) },
    seedsW2NotAboveDm: w.filter((x) => x.disco <= x.dm).length,
    ...(rows.every((r) => r.w2Modes) && {
      w2ModesMedian: { dm: median(rows.map((r) => r.w2Modes!.dm)), disco: median(rows.map((r) => r.w2Modes!.disco)),
        floor: median(rows.map((r) => r.w2Modes!.floor)) },
      seedsW2ModesNotAboveDm: rows.filter((r) => r.w2Modes!.disco <= r.w2Modes!.dm).length,
    }),
    offModeMedian: rows.every((r) => r.offMode!.dm !== null)
      ? { dm: median(rows.map((r) => r.offMode!.dm!)), disco: median(rows.map((r) => r.offMode!.disco!)) } : null,
    curvatureBinsLowerMedian: median(rows.map((r) => r.curvatureBinsLower!)),
    turningBinsLowerMedian: median(rows.map((r) => r.turningBinsLower!)),
    lowNfeMedian: Object.fromEntries(Object.keys(LOW_NFE).filter((k) => !lowNfe || lowNfe.includes(k)).map((k) =>
      [k, { dm: median(rows.map((r) => r.lowNfe![k]!.dm)), disco: median(rows.map((r) => r.lowNfe![k]!.disco)) }])),
  });
}
console.log(JSON.stringify(summary, null, 1));
if (!stage1Only) {
  console.log(`\nmedian over ${rows.length} seeds (W2 floor ${(summary.w2Median as { floor: number }).floor.toFixed(3)}):`);
  console.log(lowNfeTable(summary.lowNfeMedian as Record<string, { dm: number; disco: number }>));
}
writeFileSync(join(import.meta.dirname, 'results', `toy-seeds${tag ? `-${tag}` : ''}.json`),
  JSON.stringify({
    machine: machineRecord(jobs > 1 ? { note: `${jobs} worker processes at a time` } : {}), summary, rows }, null, 2));
