/**
 * Ships a trained docking run as a repo model (models/dock/, models/dock-disco/): its config, its
 * metrics log, a weights-only checkpoint (the EMA weights as `model.*`, no optimizer state: a shipped
 * model docks and evaluates but is not resumed) and, for DisCo-DiffDock, its prior, with a record of
 * what it was trained on.
 *
 *   node --import tsx scripts/docking/ship-model.ts --run runs/bench-docking/seed-0 [--out models/dock] [--bench bench/results/docking-refine.json]
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { loadCheckpoint, saveCheckpoint } from '../../src/io/index.js';
import { loadComplexes } from '../../src/docking/complexes.js';
import { loadDockingRun } from '../../src/train/load-docking-run.js';

const { values: o } = parseArgs({ options: {
  run: { type: 'string' }, out: { type: 'string', default: 'models/dock' }, bench: { type: 'string', default: 'bench/results/docking-refine.json' },
} });
if (!o.run) throw new Error('--run is required');
const L = loadDockingRun(o.run);
const ck = loadCheckpoint(join(o.run, 'checkpoint.safetensors'));
const meta = ck.meta;
mkdirSync(o.out!, { recursive: true });
try {
  saveCheckpoint(join(o.out!, 'checkpoint.safetensors'), { model: ck.ema, meta: { ...ck.meta, shipped: true } });
} finally {
  ck.dispose();
}
copyFileSync(join(o.run, 'config.json'), join(o.out!, 'config.json'));
copyFileSync(join(o.run, 'metrics.jsonl'), join(o.out!, 'metrics.jsonl'));
const hasPrior = L.encoder !== null && existsSync(L.run.prior);
if (L.encoder && !hasPrior) throw new Error(`${o.run} has latents but no prior: run \`disco-diff train-prior --run ${o.run}\` first`);
if (hasPrior) for (const f of ['prior.safetensors', 'prior-metrics.jsonl']) copyFileSync(join(o.run, f), join(o.out!, f));
const { test } = loadComplexes(L.cfg);
const trained = Array.isArray(meta.trainSet) ? (meta.trainSet as string[]).map((id) => id.split('/')[0]!) : null;
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
const count = (receptors: string[]) => Object.entries(receptors.reduce<Record<string, number>>((m, r) => ({ ...m, [r]: (m[r] ?? 0) + 1 }), {}))
  .map(([r, n]) => `${r} ${n}`).join(', ');
const trainLine = trained ? `${trained.length} ligands (${count(trained)}; the list is in the checkpoint's meta.trainSet)`
  : 'not recorded by this run (runs before the trainSet record); see below';
writeFileSync(join(o.out!, 'RECORD.md'), `# Shipped docking model

${L.encoder ? `DisCo-DiffDock: the pose score network of configs/${L.cfg.name}.yaml with its pointer latents' encoder
(EMA weights) and autoregressive prior (prior.safetensors, its log prior-metrics.jsonl), trained by
\`disco-diff train\` and \`train-prior\`` : `The pose score network of configs/${L.cfg.name}.yaml (a plain DM: DiffDock-style pose diffusion, no latents),
trained by \`bench/docking.ts\``} and copied here by \`scripts/docking/ship-model.ts\` at commit ${commit}.

- Run: ${o.run}, step ${L.step}, seed ${L.cfg.train.seed}; weights: the EMA weights only (no optimizer
  state, so it docks and evaluates but cannot be resumed).
- Trained on: ${trainLine}, the training side of the pose data set in data/docking/ (RECORD.md),
  split by scaffold with seed ${L.cfg.data.splitSeed} (test fraction ${L.cfg.data.testFraction}); the test side now
  holds ${test.length} ligands (${count(test.map((c) => c.record.receptor))}), crystal ligands always in test.
- Its measures on the test split, beside random poses and Vina: ${o.bench} (docs/docking.md).
- metrics.jsonl is its training log.
`);
L.net.dispose();
L.encoder?.dispose();
console.log(`shipped ${o.run} (step ${L.step}) to ${o.out}`);
