/**
 * The image demo: the shipped pretrained pair (models/fmnist-edm, models/fmnist-disco) sampled,
 * measured and drawn into OUT — FD-FMNIST and the recognisable share (the classifier's top class
 * ≥ 0.9) of n samples each beside the test images', sample grids, and for DisCo-Diff rows that share
 * z and latent switching — with OUT/report.md. The models are copied into OUT first, so their
 * evaluations and figures land there and models/ stays as shipped.
 */
import { cpSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { packagePath, writeTextAtomic } from '../io/index.js';
import type { ImageReference } from '../metrics/fmnist-classifier.js';
import { evaluateImageRun, plotImageRun, testReference, type ImageRunMetrics } from './images.js';

/** The repo's shipped models. */
export const MODELS_DIR = packagePath('models');

const ARMS = [['edm', 'EDM'], ['disco', 'DisCo-Diff']] as const;

/** Runs the image demo into `out` (see above); returns each arm's metrics. */
export async function runImageDemo(out: string, o: { models?: string; n?: number; seed?: number } = {}):
  Promise<Record<'edm' | 'disco', ImageRunMetrics>> {
  const models = o.models ?? MODELS_DIR, n = o.n ?? 300, seed = o.seed ?? 0;
  const metrics = {} as Record<'edm' | 'disco', ImageRunMetrics>;
  const figures: Record<string, Record<string, string>> = {};
  let reference: ImageReference | undefined;
  try {
    for (const [arm] of ARMS) {
      const src = join(models, `fmnist-${arm}`), dir = join(out, arm);
      if (!existsSync(join(src, 'checkpoint.safetensors'))) throw new Error(`no shipped model in ${src} (models/fmnist-${arm} is part of the repo)`);
      cpSync(src, dir, { recursive: true });
      reference ??= testReference(dir);
      metrics[arm] = await evaluateImageRun(dir, { n, seed, extras: false, reference });
      figures[arm] = await plotImageRun(dir, { seed });
    }
  } finally {
    reference?.dispose();
  }
  const pct = (v: number | undefined) => (v === undefined ? '—' : `${(100 * v).toFixed(1)}%`);
  const link = (p: string | undefined, what: string) => (p ? `![${what}](${relative(out, p)})` : '');
  const rows = ARMS.map(([arm, name]) => {
    const m = metrics[arm];
    return `| ${name} | ${m.steps} | ${m.fd?.toFixed(1) ?? '—'} | ${m.nfe} | ${pct(m.recognisable?.samples)} | ${m.precision?.toFixed(3) ?? '—'} | ${m.recall?.toFixed(3) ?? '—'} |`;
  });
  writeTextAtomic(join(out, 'report.md'), `# The pretrained image pair

EDM and DisCo-Diff on Fashion-MNIST 32×32 (${models}/fmnist-edm, fmnist-disco; how they were trained: their RECORD.md),
${n} samples each (seed ${seed}); FD-FMNIST against the 10,000 test images. Recognisable: the share of images whose
class the project's classifier gives probability ≥ 0.9 (test images: ${pct(metrics.edm.recognisable?.reference)}).
FD on ${n} samples is biased upwards and noisy; bench/results/images-curve.json has it on 2,000.

| model | training steps | FD-FMNIST | NFE | recognisable | precision | recall |
|---|---|---|---|---|---|---|
${rows.join('\n')}

## Samples

${ARMS.map(([arm, name]) => `${name}\n\n${link(figures[arm]!.samples, `${name} samples`)}`).join('\n\n')}

## What DisCo-Diff's latents do

Rows that share one z from the prior (each row one z, the columns different noise):

${link(figures.disco!.sharedLatents, 'shared latents')}

Latent switching (the same noise, z switched from one draw of the prior to another):

${link(figures.disco!.switching, 'latent switching')}
`);
  return metrics;
}
