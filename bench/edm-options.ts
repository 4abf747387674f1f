/**
 * bench/edm-options: the plain EDM baseline (configs/fmnist-edm.yaml) with our U-Net choices
 * against EDM's own (`model.noiseFrequencies`, `model.channelsPerHead`, docs/images.md "EDM's own U-Net"),
 * at equal training steps and seeds: training loss over the last steps, loss per σ on a probe set
 * (EMA weights), FD-FMNIST and time per step. Runs two trainings at a time, one thread each. For
 * the runs with both of EDM's values it also measures how much each of our choices changes D on
 * the same weights: ‖D′ − D‖ / ‖D‖ per σ on 64 noisy training images. `--reuse` keeps runs that
 * are already trained and evaluated. Prints tables and writes bench/results/edm-options.json.
 * Usage: node --import tsx bench/edm-options.ts [--steps 400] [--seeds 0,1] [--n 200] [--variants ours,edm-frequencies,edm-heads,edm]
 *          [--out runs/bench-edm-options] [--reuse]
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, full, noGrad, randn, tidy } from '../src/engine/index.js';
import { EDMPrecond } from '../src/edm/precond.js';
import { UNet, type UNetOptions } from '../src/networks/unet.js';
import { loadDataset } from '../src/data/load.js';
import { loadRun } from '../src/train/load-run.js';
import { benchArgs } from './args.js';
import { cli } from './cli.js';
import { machineRecord } from './record.js';

const root = join(import.meta.dirname, '..');
const VARIANTS: Record<string, string[]> = {
  ours: [],
  'edm-frequencies': ['model.noiseFrequencies=edm'],
  'edm-heads': ['model.channelsPerHead=64'],
  edm: ['model.noiseFrequencies=edm', 'model.channelsPerHead=64'],
};
const { steps, n, out, seeds, reuse, variants } = benchArgs('node --import tsx bench/edm-options.ts [flags]', {
  steps: { kind: 'number', default: '400', help: 'training steps of every run' },
  seeds: { kind: 'numbers', default: '0,1', help: 'training seeds' },
  n: { kind: 'number', default: '200', help: 'samples for FD-FMNIST' },
  variants: { kind: 'list', default: Object.keys(VARIANTS).join(','), help: 'which U-Net choices to train' },
  out: { kind: 'string', default: 'runs/bench-edm-options', help: 'where the runs go' },
  reuse: { kind: 'boolean', help: 'keep runs that are already trained and evaluated' },
});
const LAST = 100;

interface Row {
  variant: string; seed: number; secPerStep: number; trainLoss: number; fd: number; lossBySigma: { sigma: number[]; loss: number[] };
  /** With both of EDM's values: ‖D′ − D‖ / ‖D‖ per SWAP_SIGMAS when D′ uses our frequencies, our heads. */
  sameWeights?: { ourFrequencies: number[]; ourHeads: number[] };
}
const SWAP_SIGMAS = [0.01, 0.1, 1, 10, 80];

/** ‖D′ − D‖ / ‖D‖ per σ on 64 noisy training images, D′ = run `dir`'s network with `change`, same weights. */
async function sameWeights(dir: string, change: Partial<UNetOptions>): Promise<number[]> {
  const L = loadRun(dir);
  const net = L.model.denoiser.net as UNet;
  const alt = new EDMPrecond(new UNet({ ...net.options, ...change }), L.info.sigmaData).eval();
  alt.net.loadStateDict(net.stateDict());
  const data = L.cfg.data.kind === 'fashion-mnist' ? { ...L.cfg.data, limit: 64 } : L.cfg.data;
  const ds = await loadDataset(data, 0);
  const y = ds.x.slice(0, 0, 64);
  const g = new Generator(0);
  const out = SWAP_SIGMAS.map((sigma) => tidy(() => noGrad(() => {
    const x = y.add(randn(y.shape, { generator: g }).mul(sigma));
    const s = full([y.size(0)], sigma);
    const d = L.model.denoiser.forward(x, s);
    return alt.forward(x, s).sub(d).norm().item() / d.norm().item();
  })));
  for (const d of [g, y, ds.x, ds.labels, alt, L.model]) d?.dispose();
  return out;
}

async function measure(variant: string, seed: number): Promise<Row> {
  const dir = join(out, `${variant}-seed-${seed}`);
  if (!(reuse && existsSync(join(dir, 'metrics.json')))) {
    rmSync(dir, { recursive: true, force: true });
    const sets = VARIANTS[variant]!.flatMap((s) => ['--set', s]);
    await cli(['train', '--config', 'configs/fmnist-edm.yaml', '--out', dir, '--steps', String(steps), '--quiet',
      '--set', `train.seed=${seed}`, '--set', 'train.logEvery=10', ...sets]);
    await cli(['eval', '--run', dir, '--n', String(n), '--seed', String(seed)]);
  }
  const logged = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as
    { step: number; loss: number; stepsPerSec: number });
  const last = logged.filter((r) => r.step > steps - LAST);
  const m = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
  const row: Row = { variant, seed, secPerStep: 1 / logged.at(-1)!.stepsPerSec,
    trainLoss: last.reduce((a, r) => a + r.loss, 0) / last.length, fd: m.fd, lossBySigma: m.lossVsSigma };
  if (variant === 'edm') {
    row.sameWeights = { ourFrequencies: await sameWeights(dir, { noiseFrequencies: 'low' }),
      ourHeads: await sameWeights(dir, { channelsPerHead: null }) };
  }
  return row;
}

for (const v of variants) if (!VARIANTS[v]) throw new Error(`unknown variant '${v}' (known: ${Object.keys(VARIANTS).join(', ')})`);
const jobs = seeds.flatMap((seed) => variants.map((variant) => () => measure(variant, seed)));
const rows: Row[] = [];
for (let i = 0; i < jobs.length; i += 2) rows.push(...await Promise.all(jobs.slice(i, i + 2).map((j) => j())));
writeFileSync(join(root, 'bench', 'results', 'edm-options.json'), JSON.stringify({
  machine: machineRecord({ threads: 1, note: 'two runs at a time, one thread each' }), steps, seeds, n, rows }, null, 2));

console.log(`variant          seed  s/step  train loss (last ${LAST})  FD (n ${n})  probe loss per σ: ${rows[0]!.lossBySigma.sigma.map((s) => s.toPrecision(2)).join(' ')}`);
for (const r of rows) {
  console.log(`${r.variant.padEnd(16)} ${String(r.seed).padEnd(5)} ${r.secPerStep.toFixed(2).padEnd(7)} ${r.trainLoss.toFixed(4).padEnd(23)} ` +
    `${r.fd.toFixed(1).padEnd(10)} ${r.lossBySigma.loss.map((l) => l.toFixed(3)).join(' ')}`);
}
for (const r of rows.filter((x) => x.sameWeights)) {
  const f = (v: number[]) => v.map((x) => `${(100 * x).toFixed(1)}%`).join(' ');
  console.log(`seed ${r.seed}, same weights, ‖D′ − D‖/‖D‖ at σ ${SWAP_SIGMAS.join(' ')}: our frequencies ${f(r.sameWeights!.ourFrequencies)}; ` +
    `our fixed heads (model.heads) ${f(r.sameWeights!.ourHeads)}`);
}
