/**
 * The suite of `bench/toy-seeds.ts --suite` (issue #23): one set of defaults judged on mode
 * structures other than the 8 Gaussians they were tuned on. Each case is one toy-seeds run (DM and
 * DisCo-Diff per training seed, tag suite-NAME, W2 at Heun 5 steps as the low-NFE measure); a case
 * whose result file exists is read, not rerun, so the suite continues after an interruption. Writes
 * bench/results/toy-seeds-suite.json and prints a table against the targets:
 *  - k = modes: purity ≥ 95% on ≥ 90% of seeds, W2 ≤ the DM's, off-mode ≤ the DM's (medians);
 *  - k > modes: purity ≥ 90% (each code's members from one mode); k < modes: inverse purity
 *    ≥ 90% (each mode's points in one code); W2 ≤ the DM's;
 *  - everywhere: W2 at Heun 5 steps ≤ 0.6 × the DM's.
 * Where the mixture is known, "W2" in the targets is W2 within modes (src/metrics/modes.ts): at
 * n = 4000 the lottery of each mode's count moves the plain W2 by more than the models differ
 * (docs/latents.md); the plain W2 is in the table beside it. Moons and checkerboard have no modes
 * to assign to, so their targets use the plain W2.
 * The Gaussian mixtures in D = 8 and 32 are written once as .npy files (points and components) and
 * go through `data.kind: 'array'`: their W2 is against training points, their modes those of the
 * labelled components.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, randn, tensor, tidy, type Tensor } from '../src/engine/index.js';
import { saveNpy } from '../src/io/npy.js';
import { machineRecord } from './record.js';
import { script } from './cli.js';

/** One case: its data (a toy set, or a mixture in D dimensions), codes k and true modes. */
interface Case {
  name: string;
  data: string | { dim: number };
  k: number;
  modes: number;
  /** Most seeds (the high-dimensional cases are slower). */
  maxSeeds?: number;
}

export const SUITE: Case[] = [
  { name: '8gaussians', data: '8gaussians', k: 8, modes: 8 },
  { name: 'grid', data: 'grid', k: 25, modes: 25 },
  { name: 'grid-k16', data: 'grid', k: 16, modes: 25 },
  { name: 'grid-k32', data: 'grid', k: 32, modes: 25 },
  { name: 'weighted', data: 'weighted', k: 8, modes: 8 },
  { name: 'elongated', data: 'elongated', k: 8, modes: 8 },
  { name: 'moons', data: 'moons', k: 8, modes: 2 },
  { name: 'checkerboard', data: 'checkerboard', k: 8, modes: 8 },
  { name: 'gmm-d8', data: { dim: 8 }, k: 8, modes: 8, maxSeeds: 5 },
  { name: 'gmm-d32', data: { dim: 32 }, k: 8, modes: 8, maxSeeds: 5 },
];

const RESULTS = join(import.meta.dirname, 'results');
const DATA = join(import.meta.dirname, '..', 'runs', 'toy-suite-data');

/** The centres 3·u_j of the suite's mixtures, u_j random unit directions: the first draws of generator seed 0. */
function drawCentres(g: Generator, dim: number): Tensor {
  const u = randn([8, dim], { generator: g });
  return u.div(u.norm(2, 1, true)).mul(3);
}

/** The suite's mixture of 8 Gaussians in D dimensions: centres from drawCentres, std 0.2, equal weights. */
export function suiteMixture(dim: number): { centers: number[][]; std: number } {
  const g = new Generator(0);
  try {
    return { centers: tidy(() => drawCentres(g, dim).toArray() as number[][]), std: 0.2 };
  } finally {
    g.dispose();
  }
}

/** suiteMixture(dim)'s points, 2000 per component (the generator's stream after the centres), and their components as .npy files. */
export function mixtureFiles(dim: number): { path: string; labels: string } {
  const path = join(DATA, `gmm-d${dim}.npy`), labels = join(DATA, `gmm-d${dim}-labels.npy`);
  if (existsSync(path) && existsSync(labels)) return { path, labels };
  mkdirSync(DATA, { recursive: true });
  tidy(() => {
    const g = new Generator(0);
    const centres = drawCentres(g, dim);
    const z = tensor(Array.from({ length: 16_000 }, (_, i) => i % 8), { dtype: 'int64' });
    saveNpy(path, centres.indexSelect(0, z).add(randn([16_000, dim], { generator: g }).mul(0.2)));
    saveNpy(labels, z);
    g.dispose();
  });
  return { path, labels };
}

function runCase(c: Case, o: SuiteOptions): Promise<void> {
  const data = typeof c.data === 'string' ? ['--data', c.data] : (() => {
    const f = mixtureFiles(c.data.dim);
    return ['--data', `array:${f.path}`, '--labels', f.labels];
  })();
  const args = [...data, '--seeds', String(Math.min(o.seeds, c.maxSeeds ?? o.seeds)), '--jobs', String(o.jobs),
    '--tag', `${o.name}-${c.name}`, '--low-nfe', 'heun5', '--set', `latents.k=${c.k}`, ...o.sets.flatMap((s) => ['--set', s]),
    ...(o.steps ? ['--steps', String(o.steps)] : [])];
  console.log(`[suite] ${c.name}: k = ${c.k}, ${c.modes} modes`);
  return script(join(import.meta.dirname, 'toy-seeds.ts'), args, `suite case ${c.name}`);
}

interface CaseResult {
  summary: {
    purityMedian: number; inversePurityMedian: number; w2Median: { dm: number; disco: number; floor: number };
    w2ModesMedian?: { dm: number; disco: number; floor: number };
    offModeMedian: { dm: number; disco: number } | null; lowNfeMedian: Record<string, { dm: number; disco: number }>;
  };
  rows: { purity: number; inversePurity: number; codesUsed: number; w2: { dm: number; disco: number };
    w2Modes?: { dm: number; disco: number } | null }[];
}

/** How the suite runs: seeds, workers, which cases, Stage-I steps, its name (result files NAME-CASE, NAME) and DisCo-Diff overrides. */
export interface SuiteOptions {
  seeds: number;
  jobs: number;
  cases?: string[];
  steps?: number;
  name: string;
  sets: string[];
}

/** Runs (or reads) every case, prints the table and writes bench/results/toy-seeds-NAME.json. */
export async function runSuite(o: SuiteOptions): Promise<void> {
  const cases = o.cases ? SUITE.filter((c) => o.cases!.includes(c.name)) : SUITE;
  for (const name of o.cases ?? []) if (!SUITE.some((c) => c.name === name)) throw new Error(`--cases: unknown case '${name}'`);
  const table = [];
  for (const c of cases) {
    const file = join(RESULTS, `toy-seeds-${o.name}-${c.name}.json`);
    if (!existsSync(file)) await runCase(c, o);
    const r = JSON.parse(readFileSync(file, 'utf8')) as CaseResult;
    const s = r.summary, n = r.rows.length, heun5 = s.lowNfeMedian.heun5!;
    const offMode = s.offModeMedian, modes = s.w2ModesMedian ?? null;
    const judged = modes ?? s.w2Median, byRow = (x: CaseResult['rows'][number]) => x.w2Modes ?? x.w2;
    const purity95 = r.rows.filter((x) => x.purity >= 0.95).length;
    const checks: Record<string, boolean> = {
      ...(c.k === c.modes && { 'purity ≥ 95% on ≥ 90% of seeds': purity95 >= 0.9 * n }),
      ...(c.k === c.modes && offMode && { 'off-mode ≤ DM': offMode.disco <= offMode.dm }),
      ...(c.k > c.modes && { 'purity ≥ 90%': s.purityMedian >= 0.9 }),
      ...(c.k < c.modes && { 'inverse purity ≥ 90%': s.inversePurityMedian >= 0.9 }),
      [modes ? 'W2 within modes ≤ DM' : 'W2 ≤ DM']: judged.disco <= judged.dm,
      'Heun 5 W2 ≤ 0.6 × DM': heun5.disco <= 0.6 * heun5.dm,
    };
    table.push({ case: c.name, k: c.k, modes: c.modes, seeds: n, purityMedian: s.purityMedian, seedsPurity95: purity95,
      inversePurityMedian: s.inversePurityMedian, codesUsedMedian: median(r.rows.map((x) => x.codesUsed)),
      w2: s.w2Median, seedsDiscoW2AtMostDm: r.rows.filter((x) => x.w2.disco <= x.w2.dm).length,
      w2Modes: modes, seedsDiscoJudgedW2AtMostDm: r.rows.filter((x) => byRow(x).disco <= byRow(x).dm).length,
      offMode, heun5, checks, pass: Object.values(checks).every(Boolean) });
  }
  const f = (v: number, d = 3) => v.toFixed(d), pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  console.log('\ncase           k/modes  purity (≥95%)   inv.purity  codes  W2 DM / DisCo / floor (DisCo ≤ DM)   ' +
    'within modes DM / DisCo / floor (DisCo ≤ DM)   off-mode DM / DisCo   Heun5 DM / DisCo   pass');
  for (const t of table) {
    console.log(`${t.case.padEnd(14)} ${`${t.k}/${t.modes}`.padEnd(8)} ${`${pct(t.purityMedian)} (${t.seedsPurity95}/${t.seeds})`.padEnd(15)} ` +
      `${pct(t.inversePurityMedian).padEnd(11)} ${String(t.codesUsedMedian).padEnd(6)} ` +
      `${`${f(t.w2.dm)} / ${f(t.w2.disco)} / ${f(t.w2.floor)} (${t.seedsDiscoW2AtMostDm}/${t.seeds})`.padEnd(36)} ` +
      `${(t.w2Modes ? `${f(t.w2Modes.dm)} / ${f(t.w2Modes.disco)} / ${f(t.w2Modes.floor)} (${t.seedsDiscoJudgedW2AtMostDm}/${t.seeds})` : '—').padEnd(45)} ` +
      `${(t.offMode ? `${pct(t.offMode.dm)} / ${pct(t.offMode.disco)}` : '—').padEnd(21)} ${`${f(t.heun5.dm)} / ${f(t.heun5.disco)}`.padEnd(18)} ` +
      `${t.pass ? 'yes' : `no: ${Object.entries(t.checks).filter(([, v]) => !v).map(([k]) => k).join('; ')}`}`);
  }
  writeFileSync(join(RESULTS, `toy-seeds-${o.name}.json`), JSON.stringify({ machine: machineRecord({ note: `${o.jobs} worker processes at a time` }),
    overrides: o.sets, cases: table }, null, 2));
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
