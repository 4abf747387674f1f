/**
 * bench/images-low-nfe: Heun vs EDM's stochastic sampler (S_churn = 40) vs Restart at equal NFE on
 * Fashion-MNIST (issue #11), for trained EDM / DisCo-Diff run pairs RUNS/seed-S/{edm,disco} (as
 * bench/images.ts leaves them; DisCo-Diff with its prior). Two levels: Heun and stochastic with 6 and
 * 12 main steps (11 and 23 NFE, `samplerNfe`), Restart with 4 and 8 main steps plus K·steps = 2 and 4
 * restart steps, i.e. exactly the same NFE. Each setting: FD-FMNIST, precision and recall of n samples
 * (`eval --steps/--sampler/--restart`, in-process; sample seed = the run's seed; RUN/metrics.json is
 * restored afterwards). Prints a table (setting × NFE, DM / DisCo-Diff FD per seed and the mean) and
 * writes bench/results/images-low-nfe.json.
 *
 * Restart's interval is chosen per level by a search on the first seed's pair with another sample
 * seed (1000 + seed, so the table's samples are fresh): t_min, t_max ∈ [0.47, 2], [0.2, 1], [1, 5]
 * (σ units; t_min snaps to the nearest interior σ of the main grid, 80 9.72 0.47 0.002 at 4 steps,
 * 80 35 13.7 4.64 1.29 0.267 0.0352 0.002 at 8), K ∈ {1, 2}; lowest mean of the DM and DisCo-Diff FD
 * wins. `--no-search` uses the winners recorded in CHOSEN. Measured (runs/bench-images seed 0: EDM
 * 500 steps, DisCo-Diff 403; n = 200, sample seed 1000; FD DM / DisCo-Diff (mean), t_min as snapped;
 * Heun on the same samples from `eval --sampler heun --steps 6|12 --seed 1000`, outside this script):
 *   11 NFE, Heun 6 steps 670.0 / 697.0 (683.5); Restart 4 steps +
 *     [0.47, 2]       1×2 675.5 / 713.8 (694.7)   2×1 675.1 / 724.0 (699.5)
 *     [0.2→0.002, 1]  1×2 675.7 / 709.0 (692.3)   2×1 648.3 / 669.6 (659.0)  chosen
 *     [1→0.47, 5]     1×2 679.4 / 724.6 (702.0)   2×1 720.1 / 758.9 (739.5)
 *   23 NFE, Heun 12 steps 668.9 / 707.2 (688.0); Restart 8 steps +
 *     [0.47→0.27, 2]  1×4 685.4 / 742.4 (713.9)   2×2 703.4 / 759.7 (731.5)
 *     [0.2→0.27, 1]   1×4 667.1 / 725.3 (696.2)   2×2 681.0 / 742.7 (711.8)  chosen
 *     [1→1.3, 5]      1×4 694.4 / 732.9 (713.7)   2×2 700.9 / 739.8 (720.4)
 * At 4 main steps t_min = 0.2 snaps to σ_3 = 0.002: the winner re-noises the nearly finished sample
 * to σ = 1 and denoises it in one Heun step, twice. At 23 NFE no candidate's mean beat Heun's on these
 * samples. Sampling noise at n = 200: Heun 6 steps, DisCo-Diff, is 731.3 with sample seed 0.
 *
 * Usage: DISCO_THREADS=1 node --import tsx bench/images-low-nfe.ts [--runs runs/bench-images] [--seeds 0,1]
 *          [--n 200] [--no-search]
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateImageRun, testReference } from '../src/eval/images.js';
import { loadStoredConfig } from '../src/config/load.js';
import { RunDir } from '../src/train/run-dir.js';
import { edmSigmas } from '../src/edm/schedule.js';
import { restartPlan, samplerNfe, type RestartInterval, type SamplerName } from '../src/edm/samplers.js';
import { benchArgs } from './args.js';
import { machineRecord } from './record.js';

const args = benchArgs('DISCO_THREADS=1 node --import tsx bench/images-low-nfe.ts [flags]', {
  runs: { kind: 'string', default: 'runs/bench-images', help: 'RUNS/seed-S/{edm,disco}, as bench/images.ts leaves them' },
  seeds: { kind: 'numbers', default: '0,1', help: 'training seeds of the run pairs' },
  n: { kind: 'number', default: '200', help: 'samples per FD-FMNIST' },
  'no-search': { kind: 'boolean', help: 'use the recorded Restart intervals (CHOSEN) instead of searching' },
});
const { runs, n, seeds } = args, search = !args['no-search'];

/** One sampler setting: main steps and (Restart) intervals. */
interface Setting { sampler: SamplerName; steps: number; restart?: RestartInterval[] }
/** A level: Heun's main steps and Restart's (the rest of Restart's NFE goes to the restarts). */
const LEVELS = [{ heun: 6, restart: 4 }, { heun: 12, restart: 8 }] as const;
const INTERVALS: [number, number][] = [[0.47, 2], [0.2, 1], [1, 5]];
/** The search's winners by Heun steps (see the doc comment). */
const CHOSEN: Record<number, RestartInterval> = {
  6: { tMin: 0.2, tMax: 1, K: 2, steps: 1 },
  12: { tMin: 0.2, tMax: 1, K: 1, steps: 4 },
};

const nfe = (s: Setting) => samplerNfe(s.sampler, s.steps, s.restart);
const dirs = (seed: number) => ({ edm: join(runs, `seed-${seed}`, 'edm'), disco: join(runs, `seed-${seed}`, 'disco') });
for (const seed of seeds) {
  const d = dirs(seed);
  for (const need of [new RunDir(d.edm).checkpoint, new RunDir(d.disco).checkpoint, new RunDir(d.disco).prior]) {
    if (!existsSync(need)) throw new Error(`${need} is missing: train the pair with bench/images.ts or leave seed ${seed} out (--seeds)`);
  }
}
const sampleCfg = loadStoredConfig(new RunDir(dirs(seeds[0]!).edm).config).sample;
/** The test split's features, made once for every evaluation (all runs share the data config). */
const reference = testReference(dirs(seeds[0]!).edm);

/** The interval's t_min after snapping to the main grid of `steps` steps. */
function snappedTMin(steps: number, r: RestartInterval): number {
  return [...restartPlan(edmSigmas(steps, sampleCfg), [r], sampleCfg.rho).values()][0]!.grid.at(-1)!;
}

/** "Restart 4 steps + 1×2 in [1→0.47, 5] (11 NFE)". */
function label(s: Setting): string {
  const name = { heun: 'Heun', euler: 'Euler', stochastic: 'stochastic', restart: 'Restart' }[s.sampler];
  const r = (s.restart ?? []).map((i) => {
    const t = snappedTMin(s.steps, i);
    return ` + ${i.K}×${i.steps} in [${Math.abs(t - i.tMin) < 5e-3 ? i.tMin : `${i.tMin}→${+t.toPrecision(2)}`}, ${i.tMax}]`;
  }).join('');
  return `${name} ${s.steps} steps${r} (${nfe(s)} NFE)`;
}

interface Score { fd: number; precision: number; recall: number; nfe: number; seconds: number }
type Pair = { edm: Score; disco: Score };

/** FD-FMNIST etc. of one run at one setting; the run's metrics.json is left as it was. */
async function score(dir: string, seed: number, s: Setting): Promise<Score> {
  const file = new RunDir(dir).evalMetrics;
  const kept = existsSync(file) ? readFileSync(file) : null;
  const t0 = performance.now();
  try {
    const m = await evaluateImageRun(dir, { n, seed, steps: s.steps, sampler: s.sampler, restart: s.restart, reference });
    if (m.nfe !== nfe(s)) throw new Error(`${label(s)}: the sampler took ${m.nfe} NFE`);
    return { fd: m.fd!, precision: m.precision!, recall: m.recall!, nfe: m.nfe, seconds: (performance.now() - t0) / 1000 };
  } finally {
    if (kept) writeFileSync(file, kept);
    else rmSync(file, { force: true });
  }
}

async function pair(seed: number, s: Setting, sampleSeed = seed): Promise<Pair> {
  const d = dirs(seed);
  const r = { edm: await score(d.edm, sampleSeed, s), disco: await score(d.disco, sampleSeed, s) };
  console.log(`seed ${seed} (samples ${sampleSeed})  ${label(s).padEnd(50)} FD ${r.edm.fd.toFixed(1)} / ${r.disco.fd.toFixed(1)}`);
  return r;
}

const t0 = performance.now();
const f1 = (v: number) => v.toFixed(1);

// Restart's interval per level: a search on the first seed with other samples.
const searched: { heunSteps: number; label: string; setting: Setting; tMinSnapped: number; edm: Score; disco: Score; mean: number }[] = [];
const chosen: Record<number, RestartInterval> = { ...CHOSEN };
if (search) {
  const seed = seeds[0]!;
  for (const lv of LEVELS) {
    for (const [tMin, tMax] of INTERVALS) {
      for (const K of [1, 2]) {
        const r: RestartInterval = { tMin, tMax, K, steps: (lv.heun - lv.restart) / K };
        const s: Setting = { sampler: 'restart', steps: lv.restart, restart: [r] };
        if (nfe(s) !== samplerNfe('heun', lv.heun)) throw new Error(`${label(s)} does not match Heun ${lv.heun} steps' NFE`);
        const p = await pair(seed, s, 1000 + seed);
        searched.push({ heunSteps: lv.heun, label: label(s), setting: s, tMinSnapped: snappedTMin(lv.restart, r), ...p,
          mean: (p.edm.fd + p.disco.fd) / 2 });
      }
    }
    const best = searched.filter((c) => c.heunSteps === lv.heun).reduce((a, b) => (b.mean < a.mean ? b : a));
    chosen[lv.heun] = best.setting.restart![0]!;
  }
  console.log(`\nRestart interval search (seed ${seed}, sample seed ${1000 + seed}, n = ${n}), FD DM / DisCo-Diff (mean):`);
  for (const c of searched) console.log(`  ${c.label.padEnd(50)} ${f1(c.edm.fd)} / ${f1(c.disco.fd)} (${f1(c.mean)})`);
}

// The table: Heun, stochastic and the chosen Restart at each level, for every seed.
const rows: { seed: number; label: string; setting: Setting; nfe: number; edm: Score; disco: Score }[] = [];
const settings = LEVELS.flatMap((lv): Setting[] => {
  const level: Setting[] = [{ sampler: 'heun', steps: lv.heun }, { sampler: 'stochastic', steps: lv.heun },
    { sampler: 'restart', steps: lv.restart, restart: [chosen[lv.heun]!] }];
  for (const s of level) if (nfe(s) !== nfe(level[0]!)) throw new Error(`${label(s)} does not match ${label(level[0]!)}`);
  return level;
});
const write = () => writeFileSync(join(import.meta.dirname, 'results', 'images-low-nfe.json'), JSON.stringify({
  machine: machineRecord(), runs, seeds, n, sampleSeed: 'the training seed', restartSearch: search
    ? { seed: seeds[0], sampleSeed: 1000 + seeds[0]!, candidates: searched.map(({ setting, ...c }) => ({ ...c, restart: setting.restart![0] })) }
    : 'not run (--no-search): CHOSEN in bench/images-low-nfe.ts',
  chosen, rows, minutes: (performance.now() - t0) / 60_000,
}, null, 2));
for (const seed of seeds) {
  for (const s of settings) {
    rows.push({ seed, label: label(s), setting: s, nfe: nfe(s), ...(await pair(seed, s)) });
    write();
  }
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
console.log(`\nFD-FMNIST at equal NFE (n = ${n}, sample seed = training seed), DM / DisCo-Diff; ${((performance.now() - t0) / 60_000).toFixed(1)} min`);
console.log(`${'setting'.padEnd(50)} ${seeds.map((s) => `seed ${s}`.padEnd(16)).join('')}mean            prec / rec (mean, DM; DisCo)`);
for (const s of settings) {
  const rs = rows.filter((r) => r.label === label(s));
  const m = (k: 'edm' | 'disco', q: keyof Score) => mean(rs.map((r) => r[k][q]));
  console.log(`${label(s).padEnd(50)} ${rs.map((r) => `${f1(r.edm.fd)} / ${f1(r.disco.fd)}`.padEnd(16)).join('')}` +
    `${`${f1(m('edm', 'fd'))} / ${f1(m('disco', 'fd'))}`.padEnd(16)}` +
    `${m('edm', 'precision').toFixed(3)} / ${m('edm', 'recall').toFixed(4)}; ${m('disco', 'precision').toFixed(3)} / ${m('disco', 'recall').toFixed(4)}`);
}
