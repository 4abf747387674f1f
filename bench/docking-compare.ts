/**
 * The arms of issue #22 side by side, from `bench/docking.ts` result files: for each arm and seed
 * the test split's measures, and, against the DM of the same seed on the same complexes, the paired
 * differences in top-1 < 2 Å and mode recall with a 95% bootstrap interval over complexes (2,000
 * resamples, seed 0) — the noise of a finite test split, beside the seeds' spread.
 *   node --import tsx bench/docking-compare.ts [--files docking-full-dm,docking-disco-prior-s0,…] [--tag NAME]
 *     → bench/results/docking-compare[-TAG].json
 * Every file's perComplex arms are read; an arm key is `ARM-seed-S` (`bench/docking.ts`), or
 * `ARM@SCALE-seed-S` for a prior arm sampled at a logit scale other than the default (`--logit-scale`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockingPriorConfig } from '../src/config/docking.js';
import { summarizeDocking, type ComplexMetrics } from '../src/eval/docking.js';
import { benchArgs } from './args.js';
import { machineRecord } from './record.js';
import { bootstrapMean } from './stats.js';

const a = benchArgs('node --import tsx bench/docking-compare.ts [flags]', {
  files: { kind: 'list', default: 'docking-full-dm,docking-full-dm-s1,docking-disco-prior-s0,docking-disco-oracle-s0,docking-disco-uniform-s0',
    help: 'result files in bench/results (without .json); missing ones are skipped' },
  tag: { kind: 'string', default: '', help: 'writes bench/results/docking-compare-TAG.json' },
});
const RESULTS = join(import.meta.dirname, 'results');
const DEFAULT_SCALE = DockingPriorConfig.parse({}).logitScale;

const arms = new Map<string, ComplexMetrics[]>();
for (const f of a.files) {
  let raw: string;
  try {
    raw = readFileSync(join(RESULTS, `${f}.json`), 'utf8');
  } catch {
    console.log(`(no ${f}.json yet)`);
    continue;
  }
  const r = JSON.parse(raw) as { perComplex: Record<string, ComplexMetrics[]>; rows: { arm: string; seed?: number; logitScale?: number }[] };
  // A prior arm sampled at a logit scale other than the default (--logit-scale) is named ARM@SCALE.
  const scale = new Map(r.rows.filter((x) => x.logitScale !== undefined && x.logitScale !== DEFAULT_SCALE)
    .map((x) => [`${x.arm}-seed-${x.seed}`, x.logitScale!]));
  for (const [k, ms] of Object.entries(r.perComplex)) arms.set(scale.has(k) ? k.replace(/-seed-/, `@${scale.get(k)}-seed-`) : k, ms);
}
const key = (m: ComplexMetrics) => `${m.receptor}/${m.id}`;
const hit = (m: ComplexMetrics) => (m.top1Rmsd < 2 ? 1 : 0);

/** Mean of paired differences f(arm) − f(dm) over shared complexes, with a 95% bootstrap interval. */
function paired(arm: ComplexMetrics[], dm: ComplexMetrics[], f: (m: ComplexMetrics) => number): { diff: number; lo: number; hi: number; n: number } {
  const ref = new Map(dm.map((m) => [key(m), f(m)]));
  const { mean, ...interval } = bootstrapMean(arm.filter((m) => ref.has(key(m))).map((m) => f(m) - ref.get(key(m))!));
  return { diff: mean, ...interval };
}

const rows = [...arms].map(([name, ms]) => {
  const seed = Number(/seed-(\d+)$/.exec(name)?.[1] ?? NaN);
  const dm = arms.get(`dm-seed-${seed}`);
  const vsDm = dm && !name.startsWith('dm-') ? { top1: paired(ms, dm, hit), recall: paired(ms, dm, (m) => m.recall) } : null;
  return { arm: name, seed, summary: summarizeDocking(ms), vsDm };
});
const pct = (v: number) => `${(100 * v).toFixed(1)}`.padStart(6);
const ci = (p: { diff: number; lo: number; hi: number }) => `${(100 * p.diff).toFixed(1)} [${(100 * p.lo).toFixed(1)}, ${(100 * p.hi).toFixed(1)}]`;
console.log(`${'arm'.padEnd(22)}${'n'.padStart(4)}  top-1<2Å  recall  precision  best-of-n  mode TV   Δtop-1 vs DM (95% CI)   Δrecall vs DM`);
for (const r of rows) {
  const s = r.summary;
  console.log(`${r.arm.padEnd(22)}${String(s.complexes).padStart(4)}  ${pct(s.top1Below!)}    ${pct(s.recall!)}  ${pct(s.precision!)}     ${pct(s.oracleBelow!)}   ${s.modeDistance!.toFixed(3)}   ` +
    `${r.vsDm ? ci(r.vsDm.top1).padEnd(22) : '—'.padEnd(22)}  ${r.vsDm ? ci(r.vsDm.recall) : '—'}`);
}
const file = join(RESULTS, `docking-compare${a.tag ? `-${a.tag}` : ''}.json`);
writeFileSync(file, JSON.stringify({ machine: machineRecord(), files: a.files, rows }, null, 1));
console.log(`wrote ${file}`);
