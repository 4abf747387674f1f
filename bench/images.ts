/**
 * bench/images: plain EDM vs DisCo-Diff on Fashion-MNIST at one wall-clock training budget per
 * model, same U-Net and sampler. Trains both (in parallel, one thread each), fits the prior,
 * evaluates FD-FMNIST / precision / recall on n samples, and reports speeds: training images/s,
 * sampling images/s, the prior's share of sampling time and the encoder + cross-attention
 * overhead per training step. Prints a table and writes bench/results/images.json.
 * Usage: node --import tsx bench/images.ts [--minutes 20] [--n 500] [--out runs/bench-images] [--reuse]
 * (--reuse evaluates runs already trained in --out).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const minutes = Number(arg('minutes', '20')), n = Number(arg('n', '500')), out = arg('out', 'runs/bench-images');
const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'disco-diff.js');
const models = { edm: 'configs/fmnist-edm-cpu.json', disco: 'configs/fmnist-disco-cpu.json' } as const;

/** Runs the CLI in a child process with one intra-op thread. */
function cli(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DISCO_THREADS: '1' } });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`disco-diff ${args[0]} exited with ${code}`))));
  });
}

const dirs = { edm: join(out, 'edm'), disco: join(out, 'disco') };
if (!process.argv.includes('--reuse')) {
  await Promise.all((['edm', 'disco'] as const).map((m) =>
    cli(['train', '--config', models[m], '--out', dirs[m], '--minutes', String(minutes), '--quiet',
      ...(existsSync(join(dirs[m], 'checkpoint.safetensors')) ? ['--resume'] : [])])));
  await cli(['train-prior', '--run', dirs.disco, '--quiet']);
}
await Promise.all((['edm', 'disco'] as const).map((m) => cli(['eval', '--run', dirs[m], '--n', String(n)])));

const read = (m: 'edm' | 'disco') => {
  const metrics = JSON.parse(readFileSync(join(dirs[m], 'metrics.json'), 'utf8'));
  const log = readFileSync(join(dirs[m], 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const cfg = JSON.parse(readFileSync(join(dirs[m], 'config.json'), 'utf8'));
  const last = log.at(-1);
  return { metrics, steps: last.step as number, stepsPerSec: last.stepsPerSec as number, batch: cfg.train.batch as number };
};
const r = { edm: read('edm'), disco: read('disco') };
const table: [string, string, string][] = [
  ['training budget', `${minutes} min, ${r.edm.steps} steps`, `${minutes} min, ${r.disco.steps} steps`],
  ['FD-FMNIST (lower is better)', r.edm.metrics.fd.toFixed(2), r.disco.metrics.fd.toFixed(2)],
  ['precision', r.edm.metrics.precision.toFixed(3), r.disco.metrics.precision.toFixed(3)],
  ['recall', r.edm.metrics.recall.toFixed(3), r.disco.metrics.recall.toFixed(3)],
  ['samples / NFE', `${n} / ${r.edm.metrics.nfe}`, `${n} / ${r.disco.metrics.nfe}`],
  ['training images/s', (r.edm.stepsPerSec * r.edm.batch).toFixed(1), (r.disco.stepsPerSec * r.disco.batch).toFixed(1)],
  ['sampling images/s', r.edm.metrics.imagesPerSec.toFixed(2), r.disco.metrics.imagesPerSec.toFixed(2)],
  ['AR prior share of sampling time', '-', `${(100 * r.disco.metrics.priorShare).toFixed(2)}%`],
  ['codes used per latent (of k)', '-', String(r.disco.metrics.codesUsed)],
];
const overhead = r.edm.stepsPerSec / r.disco.stepsPerSec - 1;
console.log(`${'measure'.padEnd(34)} ${'EDM'.padEnd(24)} DisCo-Diff`);
for (const [a, b, c] of table) console.log(`${a.padEnd(34)} ${b.padEnd(24)} ${c}`);
console.log(`encoder + cross-attention overhead per training step: ${(100 * overhead).toFixed(1)}%`);
writeFileSync(join(root, 'bench', 'results', 'images.json'), JSON.stringify({ minutes, n, runs: r, overhead,
  disco_fd_lower: r.disco.metrics.fd < r.edm.metrics.fd }, null, 2));
