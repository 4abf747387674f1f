/**
 * bench/toy: the 8-Gaussians comparison at the demo's budget, measured against the targets of
 * the 2-D issue. Runs the demo pipeline (plain DM and DisCo-Diff, prior, evaluation at n = 4000)
 * into bench/results/toy-run, prints a table and the low-NFE table (Heun, stochastic and Restart at
 * equal NFE; src/eval/low-nfe.ts) and writes bench/results/toy.json.
 * Usage: node --import tsx bench/toy.ts [--steps N]
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDemo } from '../src/eval/commands.js';
import type { ToyMetrics } from '../src/eval/toy.js';
import { lowNfeTable } from '../src/eval/low-nfe.js';
import { benchArgs } from './args.js';
import { machineRecord } from './record.js';

const { steps } = benchArgs('node --import tsx bench/toy.ts [--steps N]', {
  steps: { kind: 'number', help: 'Stage-I steps of both models (default: the configs\' train.steps)' },
});
const out = join(import.meta.dirname, 'results', 'toy-run');
rmSync(out, { recursive: true, force: true });
const t0 = performance.now();
const s = await runDemo(out, { steps, quiet: true }) as unknown as {
  w2: { dm: number; disco: number; floor: number }; off_mode: { dm: number; disco: number };
  turning_mean: { dm: number; disco: number }; curvature_lower_fraction: number; turning_lower_fraction: number;
  low_nfe_w2: Record<string, { dm: number; disco: number }>; codes_used: number;
  max_mode_weight_error: { dm: number; disco: number }; purity: number; prior_share_of_sampling: number;
  train_steps_per_sec: { dm: number; disco: number };
};
const minutes = (performance.now() - t0) / 60000;
const dm = JSON.parse(readFileSync(join(out, 'dm', 'metrics.json'), 'utf8')) as ToyMetrics;
const disco = JSON.parse(readFileSync(join(out, 'disco', 'metrics.json'), 'utf8')) as ToyMetrics;
const binsLower = dm.curvature.value.filter((v, i) => disco.curvature.value[i]! < v).length;

const rows: [string, string, string, boolean | null][] = [
  ['W2 to fresh data (n = 4000)', `DM ${s.w2.dm.toFixed(3)} | DisCo ${s.w2.disco.toFixed(3)} | floor ${s.w2.floor.toFixed(3)}`,
    'DisCo ≤ DM and ≤ 1.2 × floor', s.w2.disco <= s.w2.dm && s.w2.disco <= 1.2 * s.w2.floor],
  ['off-mode fraction', `DM ${s.off_mode.dm.toFixed(4)} | DisCo ${s.off_mode.disco.toFixed(4)}`, 'DisCo ≤ 0.5 × DM',
    s.off_mode.disco <= 0.5 * s.off_mode.dm],
  ['largest mode-weight error', `DM ${s.max_mode_weight_error.dm.toFixed(4)} | DisCo ${s.max_mode_weight_error.disco.toFixed(4)}`, '(reported)', null],
  ['W2 at Heun 5 steps', `DM ${s.low_nfe_w2.heun5!.dm.toFixed(3)} | DisCo ${s.low_nfe_w2.heun5!.disco.toFixed(3)}`,
    'DisCo ≤ 0.6 × DM', s.low_nfe_w2.heun5!.disco <= 0.6 * s.low_nfe_w2.heun5!.dm],
  ['mean ODE turning per unit ln σ', `DM ${s.turning_mean.dm.toFixed(3)} | DisCo ${s.turning_mean.disco.toFixed(3)}`,
    'DisCo lower in ≥ 90% of σ', s.curvature_lower_fraction >= 0.9],
  ['  σ where DisCo is lower', `${binsLower} / ${dm.curvature.t.length} (turning: ${(100 * s.turning_lower_fraction).toFixed(0)}%)`, '', null],
  ['latent purity', `${(100 * s.purity).toFixed(1)}%, ${s.codes_used} codes`, '≥ 95%, 8 codes', s.purity >= 0.95 && s.codes_used === 8],
  ['AR prior share of sampling time', `${(100 * s.prior_share_of_sampling).toFixed(2)}%`, '< 1%', s.prior_share_of_sampling < 0.01],
  ['training steps/s', `DM ${s.train_steps_per_sec.dm.toFixed(1)} | DisCo ${s.train_steps_per_sec.disco.toFixed(1)}`, '(reported)', null],
  ['wall time of the whole pipeline', `${minutes.toFixed(1)} min`, '< 10 min (demo)', minutes < 10],
];
const w = [34, 52, 28];
console.log(['measure', 'value', 'target', 'met'].map((h, i) => h.padEnd(w[i] ?? 4)).join(' '));
for (const [a, b, c, ok] of rows) {
  console.log([a.padEnd(w[0]!), b.padEnd(w[1]!), c.padEnd(w[2]!), ok === null ? '' : ok ? 'yes' : 'NO'].join(' '));
}
console.log(`\n${lowNfeTable(s.low_nfe_w2)}`);
writeFileSync(join(import.meta.dirname, 'results', 'toy.json'), JSON.stringify({ machine: machineRecord(), summary: s, minutes, binsLower,
  bins: dm.curvature.t.length, targets: Object.fromEntries(rows.map(([a, , , ok]) => [a.trim(), ok])) }, null, 2));
