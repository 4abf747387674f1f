/**
 * bench/images: plain EDM vs DisCo-Diff on Fashion-MNIST at equal wall-clock training budgets,
 * same U-Net and sampler, over training seeds. For each seed both models train in parallel (one
 * thread each) up to each budget in turn (resuming), then the prior is fitted and both are
 * evaluated: FD-FMNIST / precision / recall on n samples with the run's sampler and at low NFE,
 * loss per σ bin at equal steps, per-latent code perplexity, and shared-latent consistency
 * (rows sharing one z vs rows of independent z). Prints a table and writes bench/results/images.json.
 * Usage: node --import tsx bench/images.ts [--minutes 5,10] [--seeds 0,1] [--n 300] [--low-nfe-steps 6]
 *          [--out runs/bench-images]
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const budgets = arg('minutes', '5,10').split(',').map(Number).sort((a, b) => a - b);
const seeds = arg('seeds', '0,1').split(',').map(Number);
const n = Number(arg('n', '300')), lowSteps = Number(arg('low-nfe-steps', '6')), out = arg('out', 'runs/bench-images');
const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'disco-diff.js');
const models = { edm: 'configs/fmnist-edm-cpu.json', disco: 'configs/fmnist-disco-cpu.json' } as const;
type Model = keyof typeof models;

/** Runs the CLI in a child process with one intra-op thread. */
function cli(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DISCO_THREADS: '1' } });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`disco-diff ${args[0]} exited with ${code}`))));
  });
}

const both = (f: (m: Model) => Promise<void>) => Promise.all((['edm', 'disco'] as const).map(f));
const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

interface Row {
  seed: number; minutes: number; model: Model; steps: number; stepsPerSec: number;
  fd: number; precision: number; recall: number; nfe: number; fdLow: number; nfeLow: number;
  lossBySigma: { sigma: number[]; loss: number[] }; perplexity: number[] | null;
  consistency: { shared: number; independent: number } | null;
}
const rows: Row[] = [];
for (const seed of seeds) {
  const dirs = { edm: join(out, `seed-${seed}`, 'edm'), disco: join(out, `seed-${seed}`, 'disco') };
  let spent = 0;
  for (const minutes of budgets) {
    await both((m) => cli(['train', '--config', models[m], '--out', dirs[m], '--minutes', String(minutes - spent),
      '--set', `train.seed=${seed}`, '--quiet', ...(existsSync(join(dirs[m], 'checkpoint.safetensors')) ? ['--resume'] : [])]));
    spent = minutes;
    await cli(['train-prior', '--run', dirs.disco, '--quiet']);
    const low: Record<string, { fd: number; nfe: number }> = {};
    await both(async (m) => {
      await cli(['eval', '--run', dirs[m], '--n', String(n), '--steps', String(lowSteps), '--seed', String(seed)]);
      const r = readJson(join(dirs[m], 'metrics.json'));
      low[m] = { fd: r.fd, nfe: r.nfe };
      await cli(['eval', '--run', dirs[m], '--n', String(n), '--seed', String(seed)]);
    });
    for (const m of ['edm', 'disco'] as const) {
      const r = readJson(join(dirs[m], 'metrics.json'));
      const last = readFileSync(join(dirs[m], 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).at(-1);
      rows.push({ seed, minutes, model: m, steps: r.steps, stepsPerSec: last.stepsPerSec, fd: r.fd, precision: r.precision,
        recall: r.recall, nfe: r.nfe, fdLow: low[m]!.fd, nfeLow: low[m]!.nfe, lossBySigma: r.lossVsSigma,
        perplexity: r.codePerplexity, consistency: r.consistency });
    }
    writeFileSync(join(root, 'bench', 'results', 'images.json'), JSON.stringify({ budgets, seeds, n, lowSteps, rows }, null, 2));
  }
}

const f = (v: number | null | undefined, d = 2) => (v === null || v === undefined ? '—' : v.toFixed(d));
console.log('seed  min  model  steps  FD (NFE)        FD low NFE     prec   rec    ppl min  consistency shared/indep');
for (const r of rows) {
  console.log(`${String(r.seed).padEnd(5)} ${String(r.minutes).padEnd(4)} ${r.model.padEnd(6)} ${String(r.steps).padEnd(6)} ` +
    `${`${f(r.fd)} (${r.nfe})`.padEnd(15)} ${`${f(r.fdLow)} (${r.nfeLow})`.padEnd(14)} ${f(r.precision, 3).padEnd(6)} ` +
    `${f(r.recall, 3).padEnd(6)} ${(r.perplexity ? f(Math.min(...r.perplexity), 1) : '—').padEnd(8)} ` +
    `${r.consistency ? `${f(r.consistency.shared, 3)} / ${f(r.consistency.independent, 3)}` : '—'}`);
}
// Loss per σ at equal steps: DisCo vs EDM in the bins with σ ≥ 1 (same probe set and σ grid).
for (const seed of seeds) {
  for (const minutes of budgets) {
    const [e, d] = (['edm', 'disco'] as const).map((m) => rows.find((r) => r.seed === seed && r.minutes === minutes && r.model === m)!);
    const bins = e!.lossBySigma.sigma.map((s, i) => ({ s, edm: e!.lossBySigma.loss[i]!, disco: d!.lossBySigma.loss[i]! }));
    console.log(`seed ${seed}, ${minutes} min: loss per σ (EDM ${e!.steps} / DisCo ${d!.steps} steps): ` +
      bins.map((b) => `${b.s.toPrecision(2)}: ${b.edm.toFixed(3)}/${b.disco.toFixed(3)}`).join('  '));
  }
}
