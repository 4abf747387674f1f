/**
 * Ships a trained EDM and DisCo-Diff image pair as the repo's pretrained models
 * (models/fmnist-edm/, models/fmnist-disco/): each run's config, training log, Stage-II prior and a
 * weights-only checkpoint holding the EMA weights (the denoiser in float16, the encoder in float32
 * so the prior's record of its encoder still matches; no optimizer state: a shipped model samples,
 * evaluates and serves but is not resumed). Then each shipped model is evaluated from its new
 * place (`eval --n N`: FD-FMNIST and the recognisable share of N samples, beside the test images'),
 * and RECORD.md says where it came from and what it measured.
 *
 *   node --import tsx scripts/images/ship-models.ts --edm RUN --disco RUN [--out models] [--n 1000]
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { loadCheckpoint, saveCheckpoint } from '../../src/io/index.js';
import type { StateDict } from '../../src/nn/module.js';
import { evaluateImageRun } from '../../src/eval/images.js';

const { values: o } = parseArgs({ options: {
  edm: { type: 'string' }, disco: { type: 'string' }, out: { type: 'string', default: 'models' }, n: { type: 'string', default: '1000' },
} });
if (!o.edm || !o.disco) throw new Error('--edm and --disco (trained run directories) are required');
const n = Number(o.n);
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();

/** Hours of training a run's log records: Σ (steps since the last row) / steps per second. */
function trainingHours(metricsFile: string): number {
  let seconds = 0, last = 0;
  for (const line of readFileSync(metricsFile, 'utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as { step: number; stepsPerSec?: number };
    if (r.stepsPerSec) seconds += (r.step - last) / r.stepsPerSec;
    last = r.step;
  }
  return seconds / 3600;
}

for (const [arm, run] of [['edm', o.edm], ['disco', o.disco]] as const) {
  const out = join(o.out!, `fmnist-${arm}`);
  mkdirSync(out, { recursive: true });
  const ck = loadCheckpoint(join(run, 'checkpoint.safetensors'));
  let step: number;
  const half: StateDict = new Map();
  try {
    step = ck.meta.step as number;
    for (const [k, t] of ck.ema) if (k.startsWith('denoiser.') && t.dtype === 'float32') half.set(k, t.to({ dtype: 'float16' }));
    const weights: StateDict = new Map([...ck.ema].map(([k, t]) => [k, half.get(k) ?? t]));
    saveCheckpoint(join(out, 'checkpoint.safetensors'), { model: weights, meta: { ...ck.meta, shipped: true } });
  } finally {
    for (const t of half.values()) t.dispose();
    ck.dispose();
  }
  for (const f of ['config.json', 'metrics.jsonl', ...(arm === 'disco' ? ['prior.safetensors'] : [])]) {
    if (!existsSync(join(run, f))) throw new Error(`${run} has no ${f}`);
    copyFileSync(join(run, f), join(out, f));
  }
  const m = await evaluateImageRun(out, { n, seed: 0 });
  const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { name: string; train: { seed: number } };
  writeFileSync(join(out, 'RECORD.md'), `# Shipped ${arm === 'edm' ? 'EDM' : 'DisCo-Diff'} model on Fashion-MNIST

The ${cfg.name} config (configs/${cfg.name}.yaml), trained by \`bench/images-curve.ts\` (seed ${cfg.train.seed}, 60 minutes,
one thread, beside the other arm), continued with \`disco-diff train --resume --out RUN --minutes M\` (one thread) to step
${step}, ${trainingHours(join(out, 'metrics.jsonl')).toFixed(1)} hours of training in all on ${cpus()[0]?.model.trim() ?? 'an unknown CPU'}; copied here by
\`scripts/images/ship-models.ts\` at commit ${commit}.

- Run: ${run}, step ${step}; weights: the EMA weights only, the denoiser stored in float16 (no optimizer
  state: it samples, evaluates and serves, but cannot be resumed).${arm === 'disco' ? '\n- prior.safetensors: its Stage-II prior (`disco-diff train-prior`), fitted to this encoder.' : ''}
- metrics.jsonl is its training log; metrics.json its evaluation from here (\`disco-diff eval --run ${out} --n ${n}\`):
  FD-FMNIST ${m.fd?.toFixed(1)} at ${m.nfe} NFE on ${n} samples; recognisable (the classifier's top class ≥ 0.9):
  ${m.recognisable ? `${(100 * m.recognisable.samples).toFixed(1)}% of the samples, ${(100 * m.recognisable.reference).toFixed(1)}% of the test images` : '—'}.
`);
  console.log(`shipped ${run} (step ${step}) to ${out}: FD ${m.fd?.toFixed(1)}, recognisable ${m.recognisable?.samples.toFixed(3)} ` +
    `(test images ${m.recognisable?.reference.toFixed(3)})`);
}
