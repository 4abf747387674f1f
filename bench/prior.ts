/**
 * bench/prior: how many Stage-II steps the autoregressive prior needs. Fits the prior of a trained
 * run's config to its extracted latents (latents.npy, from `train-prior`) on all but a held-out
 * tenth, with Stage II's schedule (warm-up, cosine to 0) over each step count given, and records
 * the final held-out cross-entropy (nats per latent) and the time per step, for each prior size
 * (layers × width). Prints a table and writes bench/results/prior-TAG.json.
 *
 * Usage: node --import tsx bench/prior.ts --run DIR [--steps 150,300,600,1500] [--sizes 4x128,2x128]
 *          [--tag NAME]   (--help lists the flags)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualSeed, noGrad, tidy } from '../src/engine/index.js';
import { loadNpy } from '../src/io/index.js';
import { parseConfig } from '../src/config/load.js';
import { LatentPrior } from '../src/disco/prior.js';
import { Adam, warmupCosine } from '../src/optim/index.js';
import { BatchIterator } from '../src/data/dataset.js';
import { benchArgs } from './args.js';
import { machineRecord } from './record.js';

const args = benchArgs('node --import tsx bench/prior.ts --run DIR [flags]', {
  run: { kind: 'string', help: 'a DisCo-Diff run with latents.npy (from train-prior)' },
  steps: { kind: 'numbers', default: '150,300,600,1500', help: 'Stage-II step counts' },
  sizes: { kind: 'list', default: '4x128,2x128', help: 'prior sizes, layers x width' },
  tag: { kind: 'string', default: 'run', help: 'writes bench/results/prior-TAG.json' },
});
const dir = args.run;
if (!dir) throw new Error('bench/prior needs --run DIR (a DisCo-Diff run with latents.npy)');
const stepCounts = args.steps, tag = args.tag;
const sizes = args.sizes.map((s) => s.split('x').map(Number) as [number, number]);
const cfg = parseConfig(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), `${dir}/config.json`);
const codes = loadNpy(join(dir, 'latents.npy')); // (N, m) int64
const N = codes.size(0), nTest = Math.floor(N / 10);
const test = codes.slice(0, 0, nTest), train = codes.slice(0, nTest, N);

interface Row { layers: number; dim: number; steps: number; msPerStep: number; heldOutNll: number }
const rows: Row[] = [];
for (const [layers, dim] of sizes) for (const steps of stepCounts) {
  manualSeed(0);
  const prior = new LatentPrior({ m: cfg.latents.m, k: cfg.latents.k, numClasses: 0, dim, layers, heads: cfg.prior.heads });
  const opt = new Adam(prior.namedParameters(), { lr: cfg.prior.lr });
  const batches = new BatchIterator({ name: 'latents', x: train, labels: null, numClasses: 0 }, cfg.prior.batch, 4);
  const lr = warmupCosine(Math.min(100, steps / 10), steps);
  const t0 = performance.now();
  prior.train();
  for (let step = 0; step < steps; step++) {
    tidy(() => prior.loss(batches.next().x).backward());
    opt.update(cfg.prior.lr * lr(step));
    opt.zeroGrad();
  }
  const msPerStep = (performance.now() - t0) / steps;
  prior.eval();
  const heldOutNll = noGrad(() => tidy(() => prior.loss(test).item()));
  rows.push({ layers, dim, steps, msPerStep, heldOutNll });
  console.log(`${layers}×${dim}, ${steps} steps: ${msPerStep.toFixed(0)} ms/step, held-out NLL ${heldOutNll.toFixed(3)} nats/latent`);
  batches.dispose();
  opt.dispose();
  prior.dispose();
}
writeFileSync(join(import.meta.dirname, 'results', `prior-${tag}.json`), JSON.stringify({ machine: machineRecord(), run: dir, rows }, null, 2));
